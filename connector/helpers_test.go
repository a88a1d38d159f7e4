package connector

import "time"

var fixedNow = time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)

const (
	tenantA = "53390e7c-c890-4adc-a20a-63526fc69533"
	tenantB = "64611fbe-c88a-45c5-a1e5-42f10d49fb36"
)
