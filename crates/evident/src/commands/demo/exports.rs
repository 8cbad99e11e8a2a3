//! What the demo company's CI and systems export, written where the starter's
//! checks read them: a JUnit report of the authorisation tests, a SARIF log of
//! its static analyser, a CycloneDX SBOM of the service (one component has a
//! real advisory, GHSA-r9hx-vwmv-q579, kept in `advisories/`), a Terraform plan
//! (`terraform show -json` shape) and the HR and identity-provider exports.
//! One failure is set up on purpose: a leaver whose account stayed active a
//! week after leaving.

use evident_core::time::Date;
use std::path::Path;

/// The leaver whose account outlived the leaving.
pub const LATE_LEAVER: &str = "sam.ortiz@lumen-analytics.example";

pub fn write(dir: &Path, today: Date) -> Result<(), String> {
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        evident_fsio::replace(&path, text.as_bytes())
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    write("reports/authz-tests.xml", JUNIT)?;
    write("reports/sast.sarif", SARIF)?;
    write("reports/sbom.cdx.json", SBOM)?;
    write(
        "advisories/GHSA-r9hx-vwmv-q579.json",
        include_str!("files/GHSA-r9hx-vwmv-q579.json"),
    )?;
    write("exports/terraform-plan.json", PLAN)?;
    let day = |n: i64| today.add_days(-n).to_string();
    write(
        "exports/hr-leavers.csv",
        &format!(
            "employee_id,email,left_on\nE-104,priya.nair@lumen-analytics.example,{}\nE-117,{LATE_LEAVER},{}\nE-121,jonas.berg@lumen-analytics.example,{}\n",
            day(40),
            day(20),
            day(6)
        ),
    )?;
    write(
        "exports/idp-accounts.csv",
        &format!(
            "email,status,deactivated_on\npriya.nair@lumen-analytics.example,deactivated,{}\n{LATE_LEAVER},deactivated,{}\njonas.berg@lumen-analytics.example,deactivated,{}\nana.silva@lumen-analytics.example,active,\n",
            day(40),
            day(13),
            day(6)
        ),
    )
}

const JUNIT: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites>
  <testsuite name="authz" tests="4" failures="0" errors="0" skipped="0" time="0.412">
    <testcase classname="tests.test_authz" name="test_viewer_cannot_delete_reports" time="0.101"/>
    <testcase classname="tests.test_authz" name="test_admin_can_invite" time="0.098"/>
    <testcase classname="tests.test_authz" name="test_tenant_isolation_on_exports" time="0.120"/>
    <testcase classname="tests.test_authz" name="test_api_token_scope_enforced" time="0.093"/>
  </testsuite>
</testsuites>
"#;

const SARIF: &str = r#"{
  "version": "2.1.0",
  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
  "runs": [
    {
      "tool": { "driver": { "name": "Bandit", "rules": [
        { "id": "B101", "name": "assert_used", "properties": { "issue_severity": "LOW" } }
      ] } },
      "results": [
        {
          "ruleId": "B101", "ruleIndex": 0, "level": "note",
          "message": { "text": "Use of assert detected. The enclosed code will be removed when compiling to optimised byte code." },
          "locations": [ { "physicalLocation": { "artifactLocation": { "uri": "tools/migrate.py" }, "region": { "startLine": 12 } } } ],
          "properties": { "issue_severity": "LOW", "issue_confidence": "HIGH" }
        }
      ]
    }
  ]
}
"#;

const SBOM: &str = r#"{
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "version": 1,
  "metadata": { "component": { "type": "application", "name": "lumen-api", "version": "4.2.0" } },
  "components": [
    { "type": "library", "bom-ref": "pkg:pypi/django@5.1.4", "name": "django", "version": "5.1.4", "purl": "pkg:pypi/django@5.1.4" },
    { "type": "library", "bom-ref": "pkg:pypi/psycopg@3.2.3", "name": "psycopg", "version": "3.2.3", "purl": "pkg:pypi/psycopg@3.2.3" },
    { "type": "library", "bom-ref": "pkg:pypi/setuptools@65.5.0", "name": "setuptools", "version": "65.5.0", "purl": "pkg:pypi/setuptools@65.5.0" }
  ]
}
"#;

const PLAN: &str = r#"{
  "format_version": "1.2",
  "terraform_version": "1.9.8",
  "planned_values": {
    "root_module": {
      "resources": [
        { "address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance", "name": "main",
          "values": { "engine": "postgres", "storage_encrypted": true } },
        { "address": "aws_ebs_volume.workers", "mode": "managed", "type": "aws_ebs_volume", "name": "workers",
          "values": { "size": 100, "encrypted": true } }
      ]
    }
  }
}
"#;
