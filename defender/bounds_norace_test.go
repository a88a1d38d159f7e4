//go:build !race

package defender

const raceEnabled = false
