package defendertest

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"time"
)

// dataset is a tenant's Defender data: deterministic from the tenant ID, with
// timestamps relative to the cloud's start (epoch) so "last seen" stays recent.
type dataset struct {
	machines        []machine
	avInfo          []avInfo
	recommendations []recommendation
	exposureScore   float64
	configScore     int
	epoch           time.Time
}

// machine is a /api/machines row.
type machine struct {
	ID                    string    `json:"id"`
	ComputerDNSName       string    `json:"computerDnsName"`
	FirstSeen             time.Time `json:"firstSeen"`
	LastSeen              time.Time `json:"lastSeen"`
	OSPlatform            string    `json:"osPlatform"`
	OSVersion             *string   `json:"osVersion"`
	OSProcessor           string    `json:"osProcessor"`
	Version               string    `json:"version"`
	LastIPAddress         string    `json:"lastIpAddress"`
	LastExternalIPAddress string    `json:"lastExternalIpAddress"`
	AgentVersion          string    `json:"agentVersion"`
	OSBuild               int       `json:"osBuild"`
	HealthStatus          string    `json:"healthStatus"`
	DeviceValue           string    `json:"deviceValue"`
	RBACGroupID           int       `json:"rbacGroupId"`
	RBACGroupName         string    `json:"rbacGroupName"`
	RiskScore             string    `json:"riskScore"`
	ExposureLevel         string    `json:"exposureLevel"`
	IsAADJoined           bool      `json:"isAadJoined"`
	AADDeviceID           *string   `json:"aadDeviceId"`
	MachineTags           []string  `json:"machineTags"`
	OnboardingStatus      string    `json:"onboardingStatus"`
	OSArchitecture        string    `json:"osArchitecture"`
	ManagedBy             string    `json:"managedBy"`
	ManagedByStatus       string    `json:"managedByStatus"`
}

// platform is an operating system the fleet is drawn from.
type platform struct {
	name, prefix, version string
	build                 int
	weight                int
}

// platforms is a function, not a variable: no package-level mutable state.
func platforms() [6]platform {
	return [...]platform{
		{"Windows11", "wks", "23H2", 22631, 40},
		{"Windows10", "wks", "22H2", 19045, 30},
		{"WindowsServer2022", "srv", "21H2", 20348, 12},
		{"WindowsServer2019", "srv", "1809", 17763, 8},
		{"macOS", "mac", "14.5", 0, 6},
		{"Linux", "lnx", "Ubuntu 22.04", 0, 4},
	}
}

func newDataset(s Scenario, epoch time.Time) *dataset {
	rng := seeded(s.TenantID, "data")
	d := &dataset{epoch: epoch}
	health := healthMix(s.Devices)
	rng.Shuffle(len(health), func(i, j int) { health[i], health[j] = health[j], health[i] })
	if len(health) > 0 {
		d.machines = make([]machine, 0, len(health))
		d.avInfo = make([]avInfo, 0, len(health)+len(health)/25)
	}
	at := newAVTimes(epoch)
	for i, h := range health {
		d.machines = append(d.machines, newMachine(rng, s, i, h, epoch))
		m := &d.machines[i]
		av := newAVInfo(rng, m, i, at)
		d.avInfo = append(d.avInfo, av)
		if i%25 == 24 {
			// "an entry for every unique combination of DeviceId, Device
			// name, AV mode, Up-to-date status, Scan results": a device
			// whose last quick scan was cancelled has a second row.
			again := av
			again.QuickScanResult, again.QuickScanError = "Cancelled", "0x80508023"
			d.avInfo = append(d.avInfo, again)
		}
	}
	if s.Devices > 0 {
		d.exposureScore = float64(2000+rng.IntN(5000)) / 100
		d.configScore = 300 + rng.IntN(500)
		d.recommendations = newRecommendations(rng, s.Devices)
	}
	return d
}

// healthMix is n health states: for 137 devices exactly 120 Active,
// 9 Inactive and 8 NoSensorData; larger fleets also have impaired sensors.
func healthMix(n int) []string {
	counts := []struct {
		state string
		n     int
	}{
		{"Inactive", n * 9 / healthyDevices},
		{"NoSensorData", n * 8 / healthyDevices},
		{"ImpairedCommunication", n / 200},
		{"NoSensorDataImpairedCommunication", n / 400},
	}
	out := make([]string, 0, n)
	for _, c := range counts {
		for range c.n {
			out = append(out, c.state)
		}
	}
	for len(out) < n {
		out = append(out, "Active")
	}
	return out
}

func newMachine(rng *rand.Rand, s Scenario, i int, health string, epoch time.Time) machine {
	p := pick(rng)
	lastSeen := epoch.Add(-time.Duration(rng.IntN(120)) * time.Minute)
	switch health {
	case "Inactive":
		lastSeen = epoch.Add(-time.Duration(8*24+rng.IntN(22*24)) * time.Hour)
	case "NoSensorData", "NoSensorDataImpairedCommunication":
		lastSeen = epoch.Add(-time.Duration(24+rng.IntN(5*24)) * time.Hour)
	}
	var osVersion, aadID *string
	if p.build == 0 {
		osVersion = &p.version
	}
	if p.prefix == "wks" {
		id := guidFrom(rng)
		aadID = &id
	}
	// The draws are in the order they always were: a tenant's devices stay
	// the same from one version of the fake to the next.
	id := hexID(rng)
	firstSeen := lastSeen.Add(-time.Duration(30+rng.IntN(700)) * 24 * time.Hour).Truncate(time.Second)
	ip1, ip2, ip3 := rng.IntN(8), rng.IntN(256), 1+rng.IntN(254)
	ext := 1 + rng.IntN(254)
	seq := strconv.Itoa(i + 1)
	if len(seq) < 5 {
		seq = "0000"[:5-len(seq)] + seq // %05d
	}
	return machine{
		ID:                    id,
		ComputerDNSName:       p.prefix + "-" + seq + "." + s.Domain,
		FirstSeen:             firstSeen,
		LastSeen:              lastSeen.Truncate(time.Second),
		OSPlatform:            p.name,
		OSVersion:             osVersion,
		OSProcessor:           "x64",
		Version:               p.version,
		LastIPAddress:         "10." + strconv.Itoa(ip1) + "." + strconv.Itoa(ip2) + "." + strconv.Itoa(ip3),
		LastExternalIPAddress: "203.0.113." + strconv.Itoa(ext),
		AgentVersion:          "10.8760." + strconv.Itoa(p.build) + ".1005",
		OSBuild:               p.build,
		HealthStatus:          health,
		DeviceValue:           "Normal",
		RBACGroupName:         "UnassignedGroup",
		RiskScore:             []string{"None", "Low", "Low", "Medium", "High"}[rng.IntN(5)],
		ExposureLevel:         []string{"Low", "Medium", "Medium", "High"}[rng.IntN(4)],
		IsAADJoined:           aadID != nil,
		AADDeviceID:           aadID,
		MachineTags:           []string{},
		OnboardingStatus:      "Onboarded",
		OSArchitecture:        "64-bit",
		ManagedBy:             "MicrosoftDefenderForEndpoint",
		ManagedByStatus:       "Success",
	}
}

func pick(rng *rand.Rand) platform {
	n := rng.IntN(100)
	all := platforms()
	for _, p := range all {
		if n < p.weight {
			return p
		}
		n -= p.weight
	}
	return all[0]
}

// seeded is a generator determined by the tenant ID and a purpose.
func seeded(tenantID, purpose string) *rand.Rand {
	sum := sha256.Sum256([]byte(tenantID + "/" + purpose))
	return rand.New(rand.NewPCG(binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:16])))
}

// hexID is a machine ID: 40 hex digits (%016x%016x%08x of three draws).
func hexID(rng *rand.Rand) string {
	var b [40]byte
	putHex(b[0:16], rng.Uint64())
	putHex(b[16:32], rng.Uint64())
	putHex(b[32:40], uint64(rng.Uint32()))
	return string(b[:])
}

// guidFrom is a version 4 GUID from two draws
// (%08x-%04x-4%03x-%04x-%012x of their bits).
func guidFrom(rng *rand.Rand) string {
	a, b := rng.Uint64(), rng.Uint64()
	var g [36]byte
	putHex(g[0:8], a>>32)
	g[8] = '-'
	putHex(g[9:13], a>>16&0xffff)
	g[13], g[14] = '-', '4'
	putHex(g[15:18], a&0xfff)
	g[18] = '-'
	putHex(g[19:23], b>>48&0x3fff|0x8000)
	g[23] = '-'
	putHex(g[24:36], b&0xffffffffffff)
	return string(g[:])
}

// putHex writes v's low len(dst) hex digits into dst, zero-padded.
func putHex(dst []byte, v uint64) {
	const digits = "0123456789abcdef"
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = digits[v&0xf]
		v >>= 4
	}
}

// servicePrincipalID is the stable object ID of the app in a tenant.
func servicePrincipalID(tenantID, clientID string) string {
	return guidFrom(seeded(tenantID, "sp/"+clientID))
}
