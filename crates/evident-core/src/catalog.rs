//! Criteria catalogs, shipped as OSCAL catalog JSON and embedded in the binary.
//!
//! The SOC 2 Trust Services Criteria live in `catalogs/tsc-2017.json`: top-level
//! groups are categories (Security, Availability, ...), their groups are series
//! (CC1 ... P8), and each OSCAL control is one criterion whose `label` property is
//! the id people write (`CC6.1`). Another framework loads the same way.

use serde::{Deserialize, Serialize};

const TSC_JSON: &str = include_str!("../../../catalogs/tsc-2017.json");

/// The embedded TSC catalog as OSCAL JSON, exactly as shipped.
pub fn tsc_oscal_json() -> &'static str {
    TSC_JSON
}

/// One criterion, e.g. CC6.1.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Criterion {
    pub id: String,
    pub title: String,
    pub description: String,
    pub category: String,
    pub series: String,
}

/// A series of criteria, e.g. CC6 "Logical and physical access".
#[derive(Clone, Debug, Serialize)]
pub struct Series {
    pub id: String,
    pub title: String,
    pub criteria: Vec<Criterion>,
}

/// A category the audit scope names, e.g. `security` or `availability`.
#[derive(Clone, Debug, Serialize)]
pub struct Category {
    pub id: String,
    pub title: String,
    pub description: String,
    pub series: Vec<Series>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Catalog {
    pub title: String,
    pub version: String,
    pub categories: Vec<Category>,
}

impl Catalog {
    /// The AICPA 2017 Trust Services Criteria (2022 points of focus), in evident's words.
    pub fn tsc() -> Catalog {
        // The file is part of the build and covered by tests; failing here is a build defect.
        Catalog::from_oscal_json(TSC_JSON).expect("embedded catalogs/tsc-2017.json is valid")
    }

    /// Reads an OSCAL catalog whose groups are categories and sub-groups series.
    pub fn from_oscal_json(text: &str) -> Result<Catalog, crate::Error> {
        let doc: oscal::Document =
            serde_json::from_str(text).map_err(|e| crate::Error::Catalog(e.to_string()))?;
        let c = doc.catalog;
        let categories = c
            .groups
            .into_iter()
            .map(|g| Category {
                description: oscal::prose(&g.parts, "overview"),
                series: g
                    .groups
                    .into_iter()
                    .map(|s| {
                        let series_id =
                            oscal::label(&s.props).unwrap_or_else(|| s.id.to_uppercase());
                        Series {
                            criteria: s
                                .controls
                                .into_iter()
                                .map(|k| Criterion {
                                    id: oscal::label(&k.props)
                                        .unwrap_or_else(|| k.id.to_uppercase()),
                                    description: oscal::prose(&k.parts, "statement"),
                                    title: k.title,
                                    category: g.id.clone(),
                                    series: series_id.clone(),
                                })
                                .collect(),
                            id: series_id,
                            title: s.title,
                        }
                    })
                    .collect(),
                id: g.id,
                title: g.title,
            })
            .collect();
        Ok(Catalog {
            title: c.metadata.title,
            version: c.metadata.version,
            categories,
        })
    }

    /// Every criterion, in catalog order.
    pub fn criteria(&self) -> impl Iterator<Item = &Criterion> {
        self.categories
            .iter()
            .flat_map(|c| c.series.iter().flat_map(|s| s.criteria.iter()))
    }

    /// Looks a criterion up by the id people write; case-insensitive (`cc6.1` works).
    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria().find(|c| c.id.eq_ignore_ascii_case(id))
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories
            .iter()
            .find(|c| c.id.eq_ignore_ascii_case(id))
    }

    /// The criterion id closest to a mistyped one, for "did you mean" hints.
    pub fn closest_criterion(&self, typo: &str) -> Option<&str> {
        crate::suggest::closest(
            &typo.to_ascii_uppercase(),
            self.criteria().map(|c| c.id.as_str()),
        )
    }
}

/// The subset of the OSCAL catalog model evident reads.
mod oscal {
    use super::Deserialize;

    #[derive(Deserialize)]
    pub struct Document {
        pub catalog: Catalog,
    }

    #[derive(Deserialize)]
    pub struct Catalog {
        pub metadata: Metadata,
        pub groups: Vec<Group>,
    }

    #[derive(Deserialize)]
    pub struct Metadata {
        pub title: String,
        pub version: String,
    }

    #[derive(Deserialize)]
    pub struct Group {
        pub id: String,
        pub title: String,
        #[serde(default)]
        pub props: Vec<Prop>,
        #[serde(default)]
        pub parts: Vec<Part>,
        #[serde(default)]
        pub groups: Vec<Group>,
        #[serde(default)]
        pub controls: Vec<Control>,
    }

    #[derive(Deserialize)]
    pub struct Control {
        pub id: String,
        pub title: String,
        #[serde(default)]
        pub props: Vec<Prop>,
        #[serde(default)]
        pub parts: Vec<Part>,
    }

    #[derive(Deserialize)]
    pub struct Prop {
        pub name: String,
        pub value: String,
    }

    #[derive(Deserialize)]
    pub struct Part {
        pub name: String,
        #[serde(default)]
        pub prose: String,
    }

    pub fn label(props: &[Prop]) -> Option<String> {
        props
            .iter()
            .find(|p| p.name == "label")
            .map(|p| p.value.clone())
    }

    pub fn prose(parts: &[Part], name: &str) -> String {
        parts
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.prose.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsc_has_61_criteria_in_five_categories() {
        let tsc = Catalog::tsc();
        let ids: Vec<&str> = tsc.criteria().map(|c| c.id.as_str()).collect();
        assert_eq!(ids.len(), 61);
        assert_eq!(ids.first(), Some(&"CC1.1"));
        assert_eq!(ids.last(), Some(&"P8.1"));
        let per_category: Vec<(String, usize)> = tsc
            .categories
            .iter()
            .map(|c| {
                (
                    c.id.clone(),
                    c.series.iter().map(|s| s.criteria.len()).sum(),
                )
            })
            .collect();
        let expected = [
            ("security", 33),
            ("availability", 3),
            ("confidentiality", 2),
            ("processing-integrity", 5),
            ("privacy", 18),
        ];
        assert_eq!(
            per_category,
            expected.map(|(c, n)| (c.to_string(), n)).to_vec()
        );
        let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), 61, "criterion ids are unique");
    }

    #[test]
    fn every_criterion_has_title_and_description() {
        for c in Catalog::tsc().criteria() {
            assert!(!c.title.is_empty() && !c.description.is_empty(), "{}", c.id);
        }
    }

    #[test]
    fn lookup_and_suggestions() {
        let tsc = Catalog::tsc();
        assert_eq!(tsc.criterion("cc6.1").unwrap().series, "CC6");
        assert_eq!(tsc.closest_criterion("CC6.9"), Some("CC6.1"));
        assert_eq!(tsc.closest_criterion("CC61"), Some("CC6.1"));
        assert_eq!(tsc.closest_criterion("XYZ123"), None);
    }
}
