package defendertest

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// The device lists are most of what the fake sends (about 280 KB a
// healthy tenant): their rows encode themselves, byte for byte as
// encoding/json would (TestFastJSONMatchesEncodingJSON), without
// reflection, into pooled buffers. A fleet benchmark runs the fake on the
// cores it measures, so its CPU is kept small.

// fastRow is a row type that appends its own JSON encoding.
type fastRow interface{ appendJSON(b []byte) []byte }

// appendString appends s as a JSON string, as encoding/json does: printable
// ASCII other than `"`, `\`, `<`, `>` and `&` as it is, anything else
// through encoding/json itself.
func appendString(b []byte, s string) []byte {
	if !plainString(s) {
		q, _ := json.Marshal(s) // a string always encodes
		return append(b, q...)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plainString reports whether every byte of s is plainJSON, eight at a time
// (bit tricks on a word: a byte at or above 0x80, one below 0x20, one equal
// to each of the five escaped).
func plainString(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		v := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if v&highs != 0 || (v-0x20*ones)&^v&highs != 0 || zeroByte(v^'"'*ones)|zeroByte(v^'&'*ones)|
			zeroByte(v^'<'*ones)|zeroByte(v^'>'*ones)|zeroByte(v^'\\'*ones) != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if !plainJSON(s[i]) {
			return false
		}
	}
	return true
}

const ones, highs = 0x0101010101010101, 0x8080808080808080

// zeroByte is not 0 when a byte of v is 0.
func zeroByte(v uint64) uint64 { return (v - ones) &^ v & highs }

// plainLow and plainHigh are the bytes below 64 and from 64 to 127 that
// encoding/json writes as they are in a string (one bit each): ASCII from
// space up, but `"`, `&`, `<`, `>` and `\`. Anything else (control bytes,
// UTF-8 beyond ASCII) goes through encoding/json.
const (
	plainLow  uint64 = 0xffffffff00000000 &^ (1<<'"' | 1<<'&' | 1<<'<' | 1<<'>')
	plainHigh uint64 = (1<<64 - 1) &^ (1 << ('\\' - 64))
)

func plainJSON(c byte) bool {
	switch {
	case c < 64:
		return plainLow>>c&1 == 1
	case c < 128:
		return plainHigh>>(c-64)&1 == 1
	}
	return false
}

// appendStringPtr appends *s, or null.
func appendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

// appendTime appends t as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds, quoted).
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = appendRFC3339(b, t, time.RFC3339Nano)
	return append(b, '"')
}

// appendRFC3339 is t.AppendFormat(b, layout) for layout time.RFC3339 or
// time.RFC3339Nano, written out for the times the data sets hold (UTC,
// whole seconds, years 0 to 9999): AppendFormat's general layouts were a
// fifth of building a tenant's data.
func appendRFC3339(b []byte, t time.Time, layout string) []byte {
	y, mo, d := t.Date()
	if t.Location() != time.UTC || y < 0 || y > 9999 || t.Nanosecond() != 0 {
		return t.AppendFormat(b, layout)
	}
	h, mi, s := t.Clock()
	two := func(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }
	b = two(two(b, y/100), y%100)
	b = two(append(b, '-'), int(mo))
	b = two(append(b, '-'), d)
	b = two(append(b, 'T'), h)
	b = two(append(b, ':'), mi)
	b = two(append(b, ':'), s)
	return append(b, 'Z')
}

func appendStrings(b []byte, list []string) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

func (m *machine) appendJSON(b []byte) []byte {
	b = appendString(append(b, `{"id":`...), m.ID)
	b = appendString(append(b, `,"computerDnsName":`...), m.ComputerDNSName)
	b = appendTime(append(b, `,"firstSeen":`...), m.FirstSeen)
	b = appendTime(append(b, `,"lastSeen":`...), m.LastSeen)
	b = appendString(append(b, `,"osPlatform":`...), m.OSPlatform)
	b = appendStringPtr(append(b, `,"osVersion":`...), m.OSVersion)
	b = appendString(append(b, `,"osProcessor":`...), m.OSProcessor)
	b = appendString(append(b, `,"version":`...), m.Version)
	b = appendString(append(b, `,"lastIpAddress":`...), m.LastIPAddress)
	b = appendString(append(b, `,"lastExternalIpAddress":`...), m.LastExternalIPAddress)
	b = appendString(append(b, `,"agentVersion":`...), m.AgentVersion)
	b = strconv.AppendInt(append(b, `,"osBuild":`...), int64(m.OSBuild), 10)
	b = appendString(append(b, `,"healthStatus":`...), m.HealthStatus)
	b = appendString(append(b, `,"deviceValue":`...), m.DeviceValue)
	b = strconv.AppendInt(append(b, `,"rbacGroupId":`...), int64(m.RBACGroupID), 10)
	b = appendString(append(b, `,"rbacGroupName":`...), m.RBACGroupName)
	b = appendString(append(b, `,"riskScore":`...), m.RiskScore)
	b = appendString(append(b, `,"exposureLevel":`...), m.ExposureLevel)
	b = strconv.AppendBool(append(b, `,"isAadJoined":`...), m.IsAADJoined)
	b = appendStringPtr(append(b, `,"aadDeviceId":`...), m.AADDeviceID)
	b = appendStrings(append(b, `,"machineTags":`...), m.MachineTags)
	b = appendString(append(b, `,"onboardingStatus":`...), m.OnboardingStatus)
	b = appendString(append(b, `,"osArchitecture":`...), m.OSArchitecture)
	b = appendString(append(b, `,"managedBy":`...), m.ManagedBy)
	b = appendString(append(b, `,"managedByStatus":`...), m.ManagedByStatus)
	return append(b, '}')
}

func (a *avInfo) appendJSON(b []byte) []byte {
	for _, f := range [...]struct{ name, value string }{
		{`{"id":`, a.ID},
		{`,"machineId":`, a.MachineID},
		{`,"computerDnsName":`, a.ComputerDNSName},
		{`,"osKind":`, a.OSKind},
		{`,"osPlatform":`, a.OSPlatform},
		{`,"osVersion":`, a.OSVersion},
		{`,"avMode":`, a.AVMode},
		{`,"avSignatureVersion":`, a.AVSignatureVersion},
		{`,"avEngineVersion":`, a.AVEngineVersion},
		{`,"avPlatformVersion":`, a.AVPlatformVersion},
		{`,"quickScanResult":`, a.QuickScanResult},
		{`,"quickScanError":`, a.QuickScanError},
		{`,"fullScanResult":`, a.FullScanResult},
		{`,"fullScanError":`, a.FullScanError},
		{`,"avIsSignatureUpToDate":`, a.AVIsSignatureUpToDate},
		{`,"avIsEngineUpToDate":`, a.AVIsEngineUpToDate},
		{`,"avIsPlatformUpToDate":`, a.AVIsPlatformUpToDate},
		{`,"rbacGroupId":`, a.RBACGroupID},
		{`,"rbacGroupName":`, a.RBACGroupName},
		{`,"avSignaturePublishTime":`, a.AVSignaturePublishTime},
		{`,"avSignatureUpdateTime":`, a.AVSignatureUpdateTime},
		{`,"avEngineUpdateTime":`, a.AVEngineUpdateTime},
		{`,"avPlatformUpdateTime":`, a.AVPlatformUpdateTime},
		{`,"avSignatureDataRefreshTime":`, a.AVSignatureDataRefreshTime},
		{`,"avModeDataRefreshTime":`, a.AVModeDataRefreshTime},
		{`,"quickScanTime":`, a.QuickScanTime},
		{`,"fullScanTime":`, a.FullScanTime},
		{`,"lastSeenTime":`, a.LastSeenTime},
		{`,"dataRefreshTimestamp":`, a.DataRefreshTimestamp},
	} {
		b = appendString(append(b, f.name...), f.value)
	}
	return append(b, '}')
}

// appendFloat appends f as encoding/json does: %f-like between 1e-6 and
// 1e21, else exponent form without a leading zero in the exponent. f is
// finite (encoding/json refuses NaN and infinities).
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1] // e-09 to e-9
		b = b[:n-1]
	}
	return b
}

func (r *recommendation) appendJSON(b []byte) []byte {
	b = appendString(append(b, `{"id":`...), r.ID)
	b = appendString(append(b, `,"productName":`...), r.ProductName)
	b = appendString(append(b, `,"recommendationName":`...), r.RecommendationName)
	b = strconv.AppendInt(append(b, `,"weaknesses":`...), int64(r.Weaknesses), 10)
	b = appendString(append(b, `,"vendor":`...), r.Vendor)
	b = appendString(append(b, `,"recommendedVersion":`...), r.RecommendedVersion)
	b = appendString(append(b, `,"recommendationCategory":`...), r.RecommendationCategory)
	b = appendString(append(b, `,"subCategory":`...), r.SubCategory)
	b = appendFloat(append(b, `,"severityScore":`...), r.SeverityScore)
	b = strconv.AppendBool(append(b, `,"publicExploit":`...), r.PublicExploit)
	b = strconv.AppendBool(append(b, `,"activeAlert":`...), r.ActiveAlert)
	b = appendStrings(append(b, `,"associatedThreats":`...), r.AssociatedThreats)
	b = appendString(append(b, `,"remediationType":`...), r.RemediationType)
	b = appendString(append(b, `,"status":`...), r.Status)
	b = appendFloat(append(b, `,"configScoreImpact":`...), r.ConfigScoreImpact)
	b = appendFloat(append(b, `,"exposureImpact":`...), r.ExposureImpact)
	b = strconv.AppendInt(append(b, `,"totalMachineCount":`...), int64(r.TotalMachineCount), 10)
	b = strconv.AppendInt(append(b, `,"exposedMachinesCount":`...), int64(r.ExposedMachinesCount), 10)
	b = appendString(append(b, `,"relatedComponent":`...), r.RelatedComponent)
	b = strconv.AppendBool(append(b, `,"hasUnpatchableCve":`...), r.HasUnpatchableCve)
	return append(b, '}')
}

// finite reports whether a recommendation's numbers all encode.
func (r *recommendation) finite() bool {
	for _, f := range []float64{r.SeverityScore, r.ConfigScoreImpact, r.ExposureImpact} {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	return true
}

// appendCollection appends an OData collection of rows, as encoding/json
// encodes collection{Context: context, Value: items, NextLink: next}.
func appendCollection[T any, PT interface {
	*T
	fastRow
}](b []byte, context string, items []T, next string) []byte {
	b = appendString(append(b, `{"@odata.context":`...), context)
	b = append(b, `,"value":[`...)
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = PT(&items[i]).appendJSON(b)
	}
	b = append(b, ']')
	if next != "" {
		b = appendString(append(b, `,"@odata.nextLink":`...), next)
	}
	return append(b, '}')
}
