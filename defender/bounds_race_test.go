//go:build race

package defender

// raceEnabled: the race detector multiplies memory use, so peak-RSS bounds
// are logged, not asserted, under -race.
const raceEnabled = true
