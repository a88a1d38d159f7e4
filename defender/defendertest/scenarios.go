package defendertest

import (
	"slices"
	"strings"
	"time"

	"github.com/paratira/mdeconnect/defender/problem"
)

// healthyDevices is the healthy tenant's fleet: 120 Active, 9 Inactive, 8 NoSensorData.
const healthyDevices = 137

// Scenarios lists every built-in tenant in a stable order, healthy first. Tenant
// IDs and domains never change: support reproduces customers' problems with them.
func Scenarios() []Scenario {
	return slices.Concat(signInScenarios(), dataScenarios())
}

// signInScenarios fail or succeed at the login server.
func signInScenarios() []Scenario {
	return []Scenario{
		tenant("healthy", "53390e7c-c890-4adc-a20a-63526fc69533",
			"Everything works: 137 devices, read-only roles, live data"),
		tenant("tenant-not-found", "ea68c6f1-e63b-44ab-a1f7-c600382d4725",
			"Entra ID says the tenant does not exist (AADSTS90002)", problem.TenantNotFound).
			with(func(s *Scenario) { s.token = tokenNoTenant }),
		tenant("us-gov-tenant", "219b1abc-08f8-4444-b6fe-cdc713f24988",
			"A US Government (GCC High) tenant met in the global cloud: discovery says microsoftonline.us, tokens fail with AADSTS900382", problem.WrongCloud).
			with(func(s *Scenario) {
				s.token, s.Region, s.RegionSubScope, s.CloudInstance = tokenCrossCloud, "USGov", "DODCON", "microsoftonline.us"
			}),
		tenant("gcc-tenant", "c02f11c1-1eeb-4d70-a6d1-01f618275a00",
			"A GCC tenant met in the global cloud whose Defender for Endpoint runs there: a wrong-cloud hint, everything works", problem.WrongCloud).
			with(func(s *Scenario) { s.Region, s.RegionSubScope = "USGov", "GCC" }),
		tenant("consent-missing", "37446f32-e48b-45de-b433-3823655801f2",
			"Admin consent never granted: tokens fail with AADSTS700016 (app not found in the tenant) until consent", problem.ConsentMissing).
			with(func(s *Scenario) { s.consent = consentAbsent }),
		tenant("service-principal-missing", "5c5b31d9-ba05-42b0-939a-63d3ff2cec6e",
			"No enterprise application in the tenant (never consented, or deleted): tokens fail with AADSTS7000229 until consent", problem.ConsentMissing).
			with(func(s *Scenario) { s.consent = consentAbsentSP }),
		tenant("invalid-secret", "64611fbe-c88a-45c5-a1e5-42f10d49fb36",
			"Every secret is rejected (AADSTS7000215)", problem.InvalidClientSecret).
			with(func(s *Scenario) { s.token = tokenSecretInvalid }),
		tenant("secret-expired", "2b011bff-fa5a-4852-8948-244269e084c2",
			"The client secret has expired (AADSTS7000222)", problem.ClientSecretExpired).
			with(func(s *Scenario) { s.token = tokenSecretExpired }),
		tenant("defender-not-provisioned", "81a639d7-92a5-4648-87b9-ce5039664059",
			"Defender for Endpoint not set up: Defender tokens fail with AADSTS500011, Graph works", problem.DefenderNotProvisioned).
			with(func(s *Scenario) { s.token = tokenNoDefender }),
		tenant("conditional-access", "bf739b35-81b2-405d-9930-6286f8b24f37",
			"A Conditional Access policy blocks the app (AADSTS53003)", problem.ConditionalAccessBlocked).
			with(func(s *Scenario) { s.token, s.Region = tokenBlockedByCA, "EU" }),
		tenant("app-disabled", "7adb8051-6a9c-4741-a8dd-43133a555fce",
			"The enterprise application is disabled (AADSTS7000112)", problem.AppDisabled).
			with(func(s *Scenario) { s.token = tokenAppDisabled }),
		tenant("consent-propagating", "6e7333e1-5411-44d4-92a5-68e96592b33c",
			"Fresh consent: the first 2 tokens per resource carry no roles yet", problem.InsufficientPermissions).
			with(func(s *Scenario) { s.token = tokenRolesLag }),
		tenant("opaque-token", "dce7e40b-5ea5-411c-9ce5-a712b819bc82",
			"Tokens are not JWTs (encrypted-looking): the APIs accept them, their roles cannot be read", problem.ServiceError).
			with(func(s *Scenario) { s.token = tokenOpaque }),
		tenant("consent-revoked-later", "6aad49eb-7a8f-41fa-95a6-e47848babc07",
			"The enterprise application is deleted after 2 Defender tokens: then AADSTS7000229", problem.ConsentMissing).
			with(func(s *Scenario) { s.token = tokenConsentRevokes }),
		tenant("consent-non-admin", "d65b386d-c47f-4bd4-b492-b668a93dabe6",
			"Accepting admin consent fails: the approver is not an admin (AADSTS90094)", problem.InsufficientPermissions).
			with(func(s *Scenario) { s.consent = consentNonAdmin }),
		tenant("consent-other-directory", "006e9bc4-c50e-41af-9bc1-f6b6068c942c",
			"Accepting admin consent fails: the approver's account is from another directory (AADSTS50020)", problem.InsufficientPermissions).
			with(func(s *Scenario) { s.ConsentError = 50020 }),
		tenant("consent-app-misconfigured", "b6b72e56-231e-4508-8288-2e3b51a6b417",
			"Accepting admin consent fails: Paratira's app registration is misconfigured (AADSTS1003031)", problem.ServiceError).
			with(func(s *Scenario) { s.ConsentError = 1003031 }),
	}
}

// dataScenarios sign in fine and meet the Defender API's answers.
func dataScenarios() []Scenario {
	return []Scenario{
		tenant("missing-role", "d61e14f6-b920-436a-b254-3c041146d81b",
			"Score.Read.All not granted: risk scores answer 403", problem.InsufficientPermissions).
			with(func(s *Scenario) { s.DefenderRoles = []string{roleMachineRead, roleRecommendationRead} }),
		tenant("graph-role-missing", "59e1b308-6d2a-4772-b0b3-038899370f76",
			"Consent given by an Application Administrator: every Defender role, no Microsoft Graph role", problem.InsufficientPermissions).
			with(func(s *Scenario) { s.GraphRoles = nil }),
		tenant("forbidden-endpoint", "7a402c94-8a75-4827-a5b2-5550e83ca8b5",
			"/api/recommendations answers a bare 403 Forbidden naming no permission", problem.InsufficientPermissions).
			with(func(s *Scenario) { s.api = apiBareForbidden }),
		tenant("no-roles", "86d8a87b-91b9-4e6a-87ef-878b35d51a9d",
			"Consented without app roles: tokens have no roles claim, every API answers 403", problem.InsufficientPermissions).
			with(func(s *Scenario) { s.DefenderRoles, s.GraphRoles = nil, nil }),
		tenant("unlicensed", "1486563f-c13e-425f-adbb-248d33cab22b",
			"Missing licences: scores and recommendations answer 403 DisabledFeature", problem.LimitedData).
			with(func(s *Scenario) { s.api, s.Region = apiUnlicensed, "EU" }),
		tenant("empty", "41ad9410-a293-4cc4-ba50-d471a91656dc",
			"No devices onboarded yet: empty lists, scores 0", problem.LimitedData).
			with(func(s *Scenario) { s.Devices = 0 }),
		tenant("throttled-then-ok", "93278387-4b69-468c-9e36-71f68503ac2d",
			"The first 2 requests to each Defender API path answer 429 (Retry-After: 1)").
			with(func(s *Scenario) { s.api = apiThrottledTwice }),
		tenant("always-throttled", "dd75b76e-92d7-41c8-89db-1dab76458e17",
			"Every Defender API request answers 429 (Retry-After: 2)", problem.Throttled).
			with(func(s *Scenario) { s.api = apiThrottled }),
		tenant("flaky", "1b130ff5-10fc-4025-a5b9-40220e876562",
			"The first request to each Defender API path answers 503, then it works").
			with(func(s *Scenario) { s.api = apiFlaky }),
		tenant("garbled", "b621ace5-863d-4f6c-8d36-cb38d35a56e7",
			"/api/machines answers 200 with an HTML error page", problem.ServiceError).
			with(func(s *Scenario) { s.api = apiGarbled }),
		tenant("slow", "94c9029b-b1ec-43ea-ab5a-e2dc2c30f08e",
			"Every reply takes an extra 1.5 s").
			with(func(s *Scenario) { s.ExtraLatency = 1500 * time.Millisecond }),
		tenant("many-devices", "91d1fbb5-6e83-452b-a931-db4cbb4789eb",
			"25,000 devices: the machine list comes in pages (@odata.nextLink)").
			with(func(s *Scenario) { s.Devices, s.Region = 25000, "EU" }),
		tenant("extra-write-roles", "ce77f6a1-2dd8-4aa4-a096-25578881caf4",
			"Also granted Machine.ReadWrite.All, Machine.Isolate and Machine.Scan", problem.ExcessPermissions).
			with(func(s *Scenario) {
				s.DefenderRoles = append(s.DefenderRoles, roleMachineReadWrite, "Machine.Isolate", "Machine.Scan")
			}),
		tenant("connection-reset", "51bbf7a2-d340-4605-a2d2-e6abddc46be0",
			"/api/machines drops the connection mid-body", problem.NetworkError).
			with(func(s *Scenario) { s.api = apiReset }),
		tenant("hung", "5d4421af-26fe-4e02-8256-7495aa22266c",
			"/api/deviceavinfo never answers until the client gives up", problem.NetworkError).
			with(func(s *Scenario) { s.api = apiHung }),
		tenant("defender-incident-closed", "e78c8dcc-e0c3-462e-98c6-e069067328ee",
			"Microsoft Defender XDR's last incident is closed (serviceRestored) while Defender for Cloud Apps is degraded").
			with(func(s *Scenario) { s.health = healthXDRClosedMCAS }),
		tenant("defender-incident-open", "54f03d1b-1c0e-4269-96ad-9df24c5ed0d9",
			"Microsoft Defender XDR reports an open incident (serviceDegradation)", problem.ServiceError).
			with(func(s *Scenario) { s.health = healthXDRIncident }),
	}
}

// tenant is a healthy scenario called name, to be given its fault with with.
func tenant(name, id, description string, reproduces ...problem.Code) Scenario {
	return Scenario{
		Name:          name,
		TenantID:      id,
		Domain:        "contoso" + strings.ReplaceAll(name, "-", "") + ".onmicrosoft.com",
		Description:   description,
		Reproduces:    reproduces,
		Region:        "NA",
		DefenderRoles: DefenderReadRoles(),
		GraphRoles:    GraphReadRoles(),
		Devices:       healthyDevices,
	}
}

func (s Scenario) with(change func(*Scenario)) Scenario {
	change(&s)
	return s
}
