package defendertest

import (
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// recommendation is a /api/recommendations row.
type recommendation struct {
	ID                     string   `json:"id"`
	ProductName            string   `json:"productName"`
	RecommendationName     string   `json:"recommendationName"`
	Weaknesses             int      `json:"weaknesses"`
	Vendor                 string   `json:"vendor"`
	RecommendedVersion     string   `json:"recommendedVersion"`
	RecommendationCategory string   `json:"recommendationCategory"`
	SubCategory            string   `json:"subCategory"`
	SeverityScore          float64  `json:"severityScore"`
	PublicExploit          bool     `json:"publicExploit"`
	ActiveAlert            bool     `json:"activeAlert"`
	AssociatedThreats      []string `json:"associatedThreats"`
	RemediationType        string   `json:"remediationType"`
	Status                 string   `json:"status"`
	ConfigScoreImpact      float64  `json:"configScoreImpact"`
	ExposureImpact         float64  `json:"exposureImpact"`
	TotalMachineCount      int      `json:"totalMachineCount"`
	ExposedMachinesCount   int      `json:"exposedMachinesCount"`
	RelatedComponent       string   `json:"relatedComponent"`
	HasUnpatchableCve      bool     `json:"hasUnpatchableCve"`
}

// recommendationSeeds are (vendor, product, name, category, remediation).
func recommendationSeeds() [][5]string {
	return [][5]string{
		{"microsoft", "windows_11", "Update Microsoft Windows 11 (OS and built-in applications)", "Application", "Update"},
		{"microsoft", "windows_10", "Update Microsoft Windows 10 (OS and built-in applications)", "Application", "Update"},
		{"microsoft", "windows_server_2022", "Update Microsoft Windows Server 2022 (OS and built-in applications)", "Application", "Update"},
		{"microsoft", "windows_server_2019", "Update Microsoft Windows Server 2019 (OS and built-in applications)", "Application", "Update"},
		{"google", "chrome", "Update Google Chrome", "Application", "Update"},
		{"mozilla", "firefox", "Update Mozilla Firefox", "Application", "Update"},
		{"microsoft", "edge_chromium-based", "Update Microsoft Edge Chromium-based", "Application", "Update"},
		{"microsoft", "office", "Update Microsoft Office", "Application", "Update"},
		{"adobe", "acrobat_reader_dc", "Update Adobe Acrobat Reader DC", "Application", "Update"},
		{"oracle", "jre", "Update Oracle Java Runtime Environment", "Application", "Update"},
		{"7-zip", "7-zip", "Update 7-Zip", "Application", "Update"},
		{"notepad++", "notepad++", "Update Notepad++", "Application", "Update"},
		{"zoom", "zoom", "Update Zoom", "Application", "Update"},
		{"vmware", "tools", "Update VMware Tools", "Application", "Update"},
		{"python", "python", "Update Python", "Application", "Update"},
		{"apple", "macos", "Update macOS", "Application", "Update"},
		{"canonical", "ubuntu_linux", "Update Ubuntu Linux packages", "Application", "Update"},
		{"microsoft", "dotnet_framework", "Update Microsoft .NET Framework", "Application", "Update"},
		{"microsoft", "windows_11", "Block executable content from email client and webmail", "Security controls", "ConfigurationChange"},
		{"microsoft", "windows_11", "Turn on Microsoft Defender Antivirus PUA protection in block mode", "Security controls", "ConfigurationChange"},
		{"microsoft", "windows_11", "Enable 'Local Security Authority (LSA) protection'", "OS", "ConfigurationChange"},
		{"microsoft", "windows_10", "Disable 'Autoplay' for all drives", "OS", "ConfigurationChange"},
		{"microsoft", "windows_10", "Set 'Minimum password length' to '14 or more character(s)'", "Accounts", "ConfigurationChange"},
		{"microsoft", "windows_10", "Enable Network Protection", "Security controls", "ConfigurationChange"},
		{"microsoft", "windows_server_2022", "Disable SMBv1 client driver", "Network", "ConfigurationChange"},
		{"microsoft", "windows_server_2019", "Set 'Interactive logon: Machine inactivity limit' to '900 or fewer second(s)'", "OS", "ConfigurationChange"},
		{"microsoft", "office", "Block Office applications from creating child processes", "Security controls", "ConfigurationChange"},
		{"microsoft", "office", "Disable Trust Bar notification for unsigned application add-ins", "Application", "ConfigurationChange"},
		{"microsoft", "windows_11", "Turn on Microsoft Defender Credential Guard", "Security controls", "ConfigurationChange"},
		{"microsoft", "edge_chromium-based", "Enable Microsoft Defender SmartScreen in Microsoft Edge", "Application", "ConfigurationChange"},
	}
}

// newRecommendations gives each seed an exposure drawn for a fleet of n devices.
func newRecommendations(rng *rand.Rand, n int) []recommendation {
	seeds := recommendationSeeds()
	out := make([]recommendation, 0, len(seeds))
	for _, sd := range seeds {
		kind := "va"
		if sd[4] == "ConfigurationChange" {
			kind = "scid-" + strings.ToLower(sd[1][:3])
		}
		exposed := 1 + rng.IntN(max(n/3, 1))
		out = append(out, recommendation{
			ID:          kind + "-_-" + sd[0] + "-_-" + sd[1],
			ProductName: sd[1], RecommendationName: sd[2], Vendor: sd[0],
			Weaknesses:             rng.IntN(40),
			RecommendationCategory: sd[3], SeverityScore: float64(rng.IntN(100)) / 10,
			PublicExploit: rng.IntN(3) == 0, AssociatedThreats: []string{}, RemediationType: sd[4],
			Status: "Active", ConfigScoreImpact: float64(rng.IntN(200)) / 100, ExposureImpact: float64(rng.IntN(300)) / 100,
			TotalMachineCount: n, ExposedMachinesCount: exposed,
		})
	}
	return out
}

func (c *Cloud) serveRecommendations(w http.ResponseWriter, r *http.Request, s Scenario) {
	writePage(c, w, r, "Recommendations", c.tenantData(s.TenantID).recommendations, maxTop)
}

// score is the exposureScore and configurationScore answer.
type score struct {
	Context       string  `json:"@odata.context"`
	Time          string  `json:"time"`
	Score         float64 `json:"score"`
	RBACGroupID   *int    `json:"rbacGroupId"`
	RBACGroupName *string `json:"rbacGroupName"`
}

func (c *Cloud) serveExposureScore(w http.ResponseWriter, r *http.Request, s Scenario) {
	d := c.tenantData(s.TenantID)
	writeJSON(w, http.StatusOK, odataJSON, score{Context: c.APIURL + "/api/$metadata#ExposureScore/$entity",
		Time: d.epoch.Format(time.RFC3339), Score: d.exposureScore})
}

func (c *Cloud) serveConfigurationScore(w http.ResponseWriter, r *http.Request, s Scenario) {
	d := c.tenantData(s.TenantID)
	writeJSON(w, http.StatusOK, odataJSON, score{Context: c.APIURL + "/api/$metadata#ConfigurationScore/$entity",
		Time: d.epoch.Format(time.RFC3339), Score: float64(d.configScore)})
}
