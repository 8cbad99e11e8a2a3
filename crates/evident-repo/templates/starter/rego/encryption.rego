# Every data store a Terraform plan creates or keeps is encrypted at rest.
# Input: `terraform show -json PLAN` (planned_values.root_module, with child modules).
package encryption

import rego.v1

stores := {
	"aws_db_instance": "storage_encrypted",
	"aws_rds_cluster": "storage_encrypted",
	"aws_ebs_volume": "encrypted",
	"aws_efs_file_system": "encrypted",
}

resources contains r if {
	some r in input.planned_values.root_module.resources
}

resources contains r if {
	some m in input.planned_values.root_module.child_modules
	some r in m.resources
}

deny contains msg if {
	some r in resources
	field := stores[r.type]
	not r.values[field]
	msg := sprintf("%s is not encrypted at rest (%s is not true)", [r.address, field])
}
