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
func newAVInfo(rng *rand.Rand, m machine, i int, epoch time.Time) avInfo {
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
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	version := m.Version
	if m.OSVersion != nil {
		version = *m.OSVersion
	}
	return avInfo{
		ID: m.ID, MachineID: m.ID, ComputerDNSName: m.ComputerDNSName, OSKind: osKind(m.OSPlatform),
		OSPlatform: m.OSPlatform, OSVersion: version, AVMode: mode,
		AVSignatureVersion: sigVersion, AVEngineVersion: "1.1.24090.11", AVPlatformVersion: "4.18.24090.11",
		QuickScanResult: "Completed", FullScanResult: "",
		AVIsSignatureUpToDate: sig, AVIsEngineUpToDate: engine, AVIsPlatformUpToDate: plat,
		RBACGroupID: "0", RBACGroupName: "UnassignedGroup",
		AVSignaturePublishTime: ts(sigUpdate.Add(-4 * time.Hour)), AVSignatureUpdateTime: ts(sigUpdate),
		AVEngineUpdateTime: ts(epoch.Add(-9 * 24 * time.Hour)), AVPlatformUpdateTime: ts(epoch.Add(-16 * 24 * time.Hour)),
		AVSignatureDataRefreshTime: ts(m.LastSeen), AVModeDataRefreshTime: ts(m.LastSeen),
		QuickScanTime: ts(m.LastSeen.Add(-time.Duration(1+rng.IntN(48)) * time.Hour)),
		LastSeenTime:  ts(m.LastSeen), DataRefreshTimestamp: ts(epoch),
	}
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
	writePage(w, r, c.APIURL, "Machines", c.tenantData(s.TenantID).machines, maxTop)
}

func (c *Cloud) serveAVInfo(w http.ResponseWriter, r *http.Request, s Scenario) {
	writePage(w, r, c.APIURL, "DeviceAvInfo", c.tenantData(s.TenantID).avInfo, deviceAVInfoPage)
}
