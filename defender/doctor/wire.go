package doctor

import (
	"encoding/json"
	"time"
)

// The Graph entities doctor reads, the fields it uses.

// servicePrincipal: "servicePrincipal resource type" (v1.0).
type servicePrincipal struct {
	ID             string `json:"id"`
	AppID          string `json:"appId"`
	DisplayName    string `json:"displayName"`
	AccountEnabled *bool  `json:"accountEnabled"`
	AppRoles       []struct {
		ID    string `json:"id"`
		Value string `json:"value"`
	} `json:"appRoles"`
}

// assignment: "appRoleAssignment resource type".
type assignment struct {
	AppRoleID           string    `json:"appRoleId"`
	ResourceID          string    `json:"resourceId"`
	ResourceDisplayName string    `json:"resourceDisplayName"`
	CreatedDateTime     time.Time `json:"createdDateTime"`
}

// directoryAudit: "directoryAudit resource type".
type directoryAudit struct {
	ActivityDisplayName string    `json:"activityDisplayName"`
	ActivityDateTime    time.Time `json:"activityDateTime"`
	Result              string    `json:"result"`
	ResultReason        string    `json:"resultReason"`
	InitiatedBy         struct {
		User *struct {
			UserPrincipalName string `json:"userPrincipalName"`
			DisplayName       string `json:"displayName"`
		} `json:"user"`
		App *struct {
			DisplayName string `json:"displayName"`
			AppID       string `json:"appId"`
		} `json:"app"`
	} `json:"initiatedBy"`
	TargetResources []struct {
		ID                 string `json:"id"`
		DisplayName        string `json:"displayName"`
		ModifiedProperties []struct {
			DisplayName string   `json:"displayName"`
			OldValue    anyValue `json:"oldValue"`
			NewValue    anyValue `json:"newValue"`
		} `json:"modifiedProperties"`
	} `json:"targetResources"`
}

// signIn: the beta "signIn resource type", service principal sign-ins.
type signIn struct {
	CreatedDateTime     time.Time `json:"createdDateTime"`
	AppID               string    `json:"appId"`
	ResourceDisplayName string    `json:"resourceDisplayName"`
	CorrelationID       string    `json:"correlationId"`
	Status              struct {
		ErrorCode     int    `json:"errorCode"`
		FailureReason string `json:"failureReason"`
	} `json:"status"`
	AppliedConditionalAccessPolicies []struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
		Result      string `json:"result"`
	} `json:"appliedConditionalAccessPolicies"`
}

// conditionalAccessPolicy: "conditionalAccessPolicy resource type".
type conditionalAccessPolicy struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	State       string `json:"state"`
	Conditions  struct {
		Applications *struct {
			IncludeApplications []string `json:"includeApplications"`
			ExcludeApplications []string `json:"excludeApplications"`
		} `json:"applications"`
	} `json:"conditions"`
	GrantControls *struct {
		BuiltInControls []string `json:"builtInControls"`
	} `json:"grantControls"`
}

// anyValue is an audit property value: Graph types it as a string, but
// entries carry JSON text in it, or null; any JSON is taken as text.
type anyValue string

func (v *anyValue) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*v = anyValue(s)
		return nil
	}
	if string(b) != "null" {
		*v = anyValue(b)
	}
	return nil
}
