package defender

import (
	"bytes"
	"unicode/utf8"
)

// The fields each check reads of its list, and nothing else (see decodePage).

func (m *machine) field(s *scanner, key []byte) (bool, error) {
	var err error
	switch {
	case is(key, "healthStatus"):
		m.HealthStatus, err = s.known("Active", "Inactive", "ImpairedCommunication", "NoSensorData", "NoSensorDataImpairedCommunication", "Unknown")
	case is(key, "onboardingStatus"):
		m.OnboardingStatus, err = s.known("Onboarded", "CanBeOnboarded", "Unsupported", "InsufficientInfo")
	default:
		return false, nil
	}
	return true, err
}

func (a *avInfo) field(s *scanner, key []byte) (bool, error) {
	var err error
	switch {
	case is(key, "machineId"):
		a.MachineID, err = s.str()
	case is(key, "id"):
		a.ID, err = s.str()
	case is(key, "avIsSignatureUpToDate"):
		a.Signature, err = s.known("True", "False", "Unknown")
	case is(key, "avIsEngineUpToDate"):
		a.Engine, err = s.known("True", "False", "Unknown")
	case is(key, "avIsPlatformUpToDate"):
		a.Platform, err = s.known("True", "False", "Unknown")
	default:
		return false, nil
	}
	return true, err
}

func (r *recommendation) field(s *scanner, key []byte) (bool, error) {
	var err error
	switch {
	case is(key, "recommendationName"):
		r.Name, err = s.str()
	case is(key, "severityScore"):
		r.SeverityScore, err = s.float()
	case is(key, "exposedMachinesCount"):
		r.Exposed, err = s.int()
	case is(key, "status"):
		r.Status, err = s.known("Active", "Exception")
	default:
		return false, nil
	}
	return true, err
}

func (h *healthOverview) field(s *scanner, key []byte) (bool, error) {
	var err error
	switch {
	case is(key, "id"):
		h.ID, err = s.str()
	case is(key, "service"):
		h.Service, err = s.str()
	case is(key, "status"):
		h.Status, err = s.str()
	default:
		return false, nil
	}
	return true, err
}

// is compares a JSON key with a field's name as encoding/json does: exactly,
// or else ignoring case.
func is(key []byte, name string) bool {
	if string(key) == name {
		return true
	}
	// Most keys differ from the name at their first byte: ASCII letters
	// that do not fold together settle it without EqualFold, which a key
	// met five names at a time paid for. A non-ASCII first byte (the Kelvin
	// sign folds to k, the long s to s) goes to EqualFold.
	if len(key) > 0 && len(name) > 0 && key[0] < utf8.RuneSelf && name[0] < utf8.RuneSelf && lower(key[0]) != lower(name[0]) {
		return false
	}
	return bytes.EqualFold(key, []byte(name))
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
