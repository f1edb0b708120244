package discordhttp_test

import (
	"testing"

	"github.com/precinct-cad/precinct/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }
