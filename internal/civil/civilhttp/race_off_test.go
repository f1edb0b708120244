//go:build !race

package civilhttp_test

const raceEnabled = false
