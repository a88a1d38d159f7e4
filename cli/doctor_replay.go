package cli

import (
	"encoding/json"
	"os"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/internal/sanitize"
)

// doctorReplayHint tells support how to see the tenant's side a report of
// `report --doctor` holds: doctor against the replay signs in to the same
// tenant, and the replay answers the sign-in and the Graph reads as
// recorded. "" when the report has no doctor section.
func doctorReplayHint(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var doc struct {
		Doctor *reportDoctorView `json:"doctor"`
	}
	if json.Unmarshal(b, &doc) != nil || doc.Doctor == nil {
		return ""
	}
	if doc.Doctor.Report == nil {
		return "\nThe report's doctor section holds no tenant's side: " + sanitize.Quote(doc.Doctor.Error)
	}
	tid, err := defender.ParseTenant(doc.Doctor.Tenant)
	if err != nil {
		return "\nThe report's doctor section names no usable tenant (" + sanitize.Quote(doc.Doctor.Tenant) + ")."
	}
	return "\nThe report holds the tenant's side too (doctor): see it with\n  mdeconnect doctor --tenant " + tid + " --device-code"
}
