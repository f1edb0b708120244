package civil

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"unicode/utf8"

	"github.com/precinct-cad/precinct/internal/cad"
)

// checkPlate validates a plate as given and returns it trimmed with its key.
func checkPlate(p string) (display, key string, err error) {
	if key, err = cad.PlateKey(p); err != nil {
		return "", "", err
	}
	display = strings.TrimSpace(p)
	switch {
	case key == "":
		return "", "", cad.Errorf(cad.EINVALID, "plate is required (letters and digits)")
	case len(display) > cad.MaxPlateLen || len(key) > 10:
		return "", "", cad.Errorf(cad.EINVALID, "plate is longer than %d characters (10 letters and digits)", cad.MaxPlateLen)
	}
	return display, key, nil
}

// enum is a field with a fixed set of values and the spellings the game
// resources use for them.
type enum struct {
	field    string
	values   []string
	synonyms map[string]string
	// other is what an unknown value becomes from a game server ("" keeps
	// it as given); members get a 400 instead.
	other string
}

var (
	genderEnum = enum{field: "gender", values: []string{"male", "female", "other"}, other: "other",
		synonyms: map[string]string{"m": "male", "man": "male", "f": "female", "woman": "female", "w": "female",
			"unknown": "other", "non-binary": "other", "nonbinary": "other", "x": "other", "0": "male", "1": "female"}}
	hairEnum = enum{field: "hairColor", values: []string{"black", "brown", "blonde", "red", "gray", "white", "bald"},
		synonyms: map[string]string{"blond": "blonde", "grey": "gray", "ginger": "red", "none": "bald"}}
	eyeEnum = enum{field: "eyeColor", values: []string{"brown", "blue", "green", "hazel", "gray", "amber"},
		synonyms: map[string]string{"grey": "gray"}}
	bloodEnum = enum{field: "bloodType", values: []string{"A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"}}
)

// norm maps v onto the enum: "" stays "", a value or synonym in any case
// is the enum's spelling; anything else is refused when strict, else
// becomes e.other (or stays as given when e.other is "").
func (e enum) norm(v string, strict bool) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	for _, ok := range e.values {
		if strings.EqualFold(v, ok) {
			return ok, nil
		}
	}
	if s, ok := e.synonyms[strings.ToLower(v)]; ok {
		return s, nil
	}
	if strict {
		return "", cad.Errorf(cad.EINVALID, "%s must be one of %s", e.field, strings.Join(e.values, ", "))
	}
	if e.other != "" {
		return e.other, nil
	}
	return clip(v, 32), nil
}

// clip cuts s to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// randomDigits returns n random decimal digits.
func randomDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b[i] = byte('0' + d.Int64())
	}
	return string(b)
}

// NewSSN makes a random SSN in the usual 3-2-4 form, with the area
// numbers real SSNs never use (000, 666, 9xx) avoided.
func NewSSN() string {
	for {
		d := randomDigits(9)
		area := d[:3]
		if area == "000" || area == "666" || area[0] == '9' || d[3:5] == "00" || d[5:] == "0000" {
			continue
		}
		return area + "-" + d[3:5] + "-" + d[5:]
	}
}

// vinAlphabet is what VINs use: no I, O or Q.
const vinAlphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"

// NewVIN makes a random 17-character VIN.
func NewVIN() string {
	b := make([]byte, 17)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(vinAlphabet))))
		b[i] = vinAlphabet[n.Int64()]
	}
	return string(b)
}

// checkVIN validates a VIN as given: 1 to 17 letters and digits.
func checkVIN(v string) (string, error) {
	v = strings.ToUpper(strings.TrimSpace(v))
	if v == "" {
		return NewVIN(), nil
	}
	if len(v) > 17 || cad.NormalizePlate(v) != v {
		return "", cad.Errorf(cad.EINVALID, "vin must be 1 to 17 letters and digits")
	}
	return v, nil
}

// NewAccountNumber makes a random 10-digit account number.
func NewAccountNumber() string { return "1" + randomDigits(9) }

// Year reads a model year: 0 (absent) or 1900 to 2100.
func checkYear(y int) error {
	if y != 0 && (y < 1900 || y > 2100) {
		return cad.Errorf(cad.EINVALID, "year must be between 1900 and 2100")
	}
	return nil
}

// ParseAmount reads an amount of money in dollars into cents, exactly. It
// accepts only what docs/civil.md promises, AmountPattern: ASCII digits,
// then at most a point and one or two decimals ("12", "12.5", "12.34",
// "0.07"). Everything else (a sign, an exponent, "0x10", "1_000", "3/2",
// spaces, "$") is refused by looking at the characters, before any
// arithmetic, so that no input costs more than a scan of at most
// maxAmountLen bytes. An amount over MaxAmount is refused too.
func ParseAmount(s string) (int64, error) {
	if s == "" || len(s) > maxAmountLen {
		return 0, errAmount()
	}
	var dollars int64
	i := 0
	for ; i < len(s) && isDigit(s[i]); i++ {
		// Leading zeros are harmless; the bound keeps the sum far from
		// overflowing.
		if dollars = dollars*10 + int64(s[i]-'0'); dollars > MaxAmount/100 {
			return 0, errAmount()
		}
	}
	if i == 0 {
		return 0, errAmount()
	}
	cents := dollars * 100
	if i < len(s) {
		frac := s[i+1:]
		if s[i] != '.' || len(frac) < 1 || len(frac) > 2 || !isDigit(frac[0]) || len(frac) == 2 && !isDigit(frac[1]) {
			return 0, errAmount()
		}
		cents += int64(frac[0]-'0') * 10
		if len(frac) == 2 {
			cents += int64(frac[1] - '0')
		}
	}
	if cents > MaxAmount {
		return 0, errAmount()
	}
	return cents, nil
}

// AmountPattern is the grammar of an amount ParseAmount accepts, as a
// regular expression (for the docs and the tests; the parser does not use
// it).
const AmountPattern = `^[0-9]+(\.[0-9]{1,2})?$`

// maxAmountLen bounds an amount as written: $10 billion with its cents is
// 14 characters; the rest leaves room for leading zeros.
const maxAmountLen = 32

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func errAmount() error {
	return cad.Errorf(cad.EINVALID, "amount must be a number of dollars (digits, with at most two decimals after a point), 0 to %d", MaxAmount/100)
}

// MaxAmount bounds one movement and any balance, in cents ($10 billion):
// far from int64's limit, so sums never overflow.
const MaxAmount int64 = 1_000_000_000_000

// FormatAmount writes cents as dollars: "12", "12.5", "12.34", "-3.05".
func FormatAmount(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	whole, frac := cents/100, cents%100
	switch {
	case frac == 0:
		return fmt.Sprintf("%s%d", sign, whole)
	case frac%10 == 0:
		return fmt.Sprintf("%s%d.%d", sign, whole, frac/10)
	}
	return fmt.Sprintf("%s%d.%02d", sign, whole, frac)
}
