package defendertest

import (
	"math/rand/v2"
	"net/http"
	"time"
)

// avInfo is a /api/deviceavinfo row: antivirus health of one device.
type avInfo struct {
	ID                         string `json:"id"`
	MachineID                  string `json:"machineId"`
	ComputerDNSName            string `json:"computerDnsName"`
	OSKind                     string `json:"osKind"`
	OSPlatform                 string `json:"osPlatform"`
	OSVersion                  string `json:"osVersion"`
	AVMode                     string `json:"avMode"`
	AVSignatureVersion         string `json:"avSignatureVersion"`
	AVEngineVersion            string `json:"avEngineVersion"`
	AVPlatformVersion          string `json:"avPlatformVersion"`
	QuickScanResult            string `json:"quickScanResult"`
	QuickScanError             string `json:"quickScanError"`
	FullScanResult             string `json:"fullScanResult"`
	FullScanError              string `json:"fullScanError"`
	AVIsSignatureUpToDate      string `json:"avIsSignatureUpToDate"`
	AVIsEngineUpToDate         string `json:"avIsEngineUpToDate"`
	AVIsPlatformUpToDate       string `json:"avIsPlatformUpToDate"`
	RBACGroupID                string `json:"rbacGroupId"`
	RBACGroupName              string `json:"rbacGroupName"`
	AVSignaturePublishTime     string `json:"avSignaturePublishTime"`
	AVSignatureUpdateTime      string `json:"avSignatureUpdateTime"`
	AVEngineUpdateTime         string `json:"avEngineUpdateTime"`
	AVPlatformUpdateTime       string `json:"avPlatformUpdateTime"`
	AVSignatureDataRefreshTime string `json:"avSignatureDataRefreshTime"`
	AVModeDataRefreshTime      string `json:"avModeDataRefreshTime"`
	QuickScanTime              string `json:"quickScanTime"`
	FullScanTime               string `json:"fullScanTime"`
	LastSeenTime               string `json:"lastSeenTime"`
	DataRefreshTimestamp       string `json:"dataRefreshTimestamp"`
}

// deviceAVInfoPage is the API's default page size for deviceavinfo (PROTOCOL §5).
const deviceAVInfoPage = 20

// newAVInfo derives a device's antivirus health from its sensor health:
// Active devices are up to date, Inactive ones have stale signatures, and
// devices without sensor data report "Unknown".
func newAVInfo(rng *rand.Rand, m *machine, i int, at avTimes) avInfo {
	sig, engine, plat := "True", "True", "True"
	sigVersion, sigUpdate := "1.417.512.0", m.LastSeen.Add(-time.Duration(rng.IntN(6))*time.Hour)
	switch m.HealthStatus {
	case "Inactive":
		sig, sigVersion = "False", "1.415.88.0"
		sigUpdate = m.LastSeen.Add(-72 * time.Hour)
	case "NoSensorData", "NoSensorDataImpairedCommunication":
		sig, engine, plat = "Unknown", "Unknown", "Unknown"
	}
	mode := "0"
	if i%20 == 19 {
		mode = "1" // passive: another antivirus is primary
	}
	version := m.Version
	if m.OSVersion != nil {
		version = *m.OSVersion
	}
	lastSeen := ts(m.LastSeen)
	return avInfo{
		ID: m.ID, MachineID: m.ID, ComputerDNSName: m.ComputerDNSName, OSKind: osKind(m.OSPlatform),
		OSPlatform: m.OSPlatform, OSVersion: version, AVMode: mode,
		AVSignatureVersion: sigVersion, AVEngineVersion: "1.1.24090.11", AVPlatformVersion: "4.18.24090.11",
		QuickScanResult: "Completed", FullScanResult: "",
		AVIsSignatureUpToDate: sig, AVIsEngineUpToDate: engine, AVIsPlatformUpToDate: plat,
		RBACGroupID: "0", RBACGroupName: "UnassignedGroup",
		AVSignaturePublishTime: ts(sigUpdate.Add(-4 * time.Hour)), AVSignatureUpdateTime: ts(sigUpdate),
		AVEngineUpdateTime: at.engineUpdate, AVPlatformUpdateTime: at.platformUpdate,
		AVSignatureDataRefreshTime: lastSeen, AVModeDataRefreshTime: lastSeen,
		QuickScanTime: ts(m.LastSeen.Add(-time.Duration(1+rng.IntN(48)) * time.Hour)),
		LastSeenTime:  lastSeen, DataRefreshTimestamp: at.dataRefresh,
	}
}

// avTimes are the times every device of a tenant reports alike, relative
// to the cloud's epoch, formatted once.
type avTimes struct{ engineUpdate, platformUpdate, dataRefresh string }

func newAVTimes(epoch time.Time) avTimes {
	return avTimes{engineUpdate: ts(epoch.Add(-9 * 24 * time.Hour)), platformUpdate: ts(epoch.Add(-16 * 24 * time.Hour)),
		dataRefresh: ts(epoch)}
}

// ts is a deviceavinfo time: RFC 3339 in UTC, to the second.
func ts(t time.Time) string {
	var b [len("2006-01-02T15:04:05Z")]byte
	return string(appendRFC3339(b[:0], t.UTC(), time.RFC3339))
}

func osKind(platform string) string {
	switch platform {
	case "macOS":
		return "macos"
	case "Linux":
		return "linux"
	}
	return "windows"
}

func (c *Cloud) serveMachines(w http.ResponseWriter, r *http.Request, s Scenario) {
	writePage(c, w, r, "Machines", c.tenantData(s.TenantID).machines, maxTop)
}

func (c *Cloud) serveAVInfo(w http.ResponseWriter, r *http.Request, s Scenario) {
	writePage(c, w, r, "DeviceAvInfo", c.tenantData(s.TenantID).avInfo, deviceAVInfoPage)
}
