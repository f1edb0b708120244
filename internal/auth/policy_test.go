package auth

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/precinct-cad/precinct/internal/cad"
)

const (
	msgTooShort = "Password must be at least 8 characters"
	msgTooLong  = "Password must be at most 128 characters"
	msgCommon   = "Password is too common; choose another"
	msgContext  = "Password must not contain your username or the site's name"
	msgUTF8     = "Password must be valid UTF-8 text"
)

func TestCheckPassword(t *testing.T) {
	ctxWords := []string{"johndoe", "Springfield PD", "", "   "}
	cases := []struct {
		name     string
		password string
		words    []string
		want     string // "" for accepted, else the exact message
	}{
		// R1: the minimum is 8 code points, not 8 bytes.
		{"R1 7 ascii", "kq3vZ8w", nil, msgTooShort},
		{"R1 8 ascii", "kq3vZ8wP", nil, ""},
		{"R1 7 accented (14 bytes)", "éèêëēėę", nil, msgTooShort},
		{"R1 8 accented", "éèêëēėęě", nil, ""},
		{"R1 4 emoji (16 bytes)", "🐶🐱🐭🐹", nil, msgTooShort},
		{"R1 empty", "", nil, msgTooShort},
		// R2: the maximum is 128 code points; a hard byte cap stops huge input.
		{"R2 128 ascii", strings.Repeat("Tz9!", 32), nil, ""},
		{"R2 129 ascii", strings.Repeat("Tz9!", 32) + "x", nil, msgTooLong},
		{"R2 64 emoji = 256 bytes", strings.Repeat("😀", 64), nil, ""},
		{"R2 128 emoji = 512 bytes", strings.Repeat("😀", 128), nil, ""},
		{"R2 129 emoji", strings.Repeat("😀", 129), nil, msgTooLong},
		{"R2 over 1024 bytes", strings.Repeat("a", MaxSecretBytes+1), nil, msgTooLong},
		{"R2 1 MiB", strings.Repeat("ab", 1<<19), nil, msgTooLong},
		{"invalid UTF-8", "\xff\xfekq3vZ8wP", nil, msgUTF8},
		// R4: no composition rules; spaces and emoji are welcome.
		{"R4 lower case words only", "purple monkey dishwasher", nil, ""},
		{"R4 spaces", "my dog is called rex", nil, ""},
		{"R4 leading and trailing spaces", "  spaced out pass  ", nil, ""},
		{"R4 emoji", "my 🐶 is called Rex", nil, ""},
		{"R4 digits only, not common", "90817263545", nil, ""},
		// R5: the shipped list, ignoring case.
		{"R5 password1", "password1", nil, msgCommon},
		{"R5 PASSWORD1", "PASSWORD1", nil, msgCommon},
		{"R5 PaSsWoRd123", "PaSsWoRd123", nil, msgCommon},
		{"R5 list entry", "dynamite", nil, msgCommon},
		{"R5 list entry digits", "00000000", nil, msgCommon},
		{"R5 list entry with extra char is fine", "dynamite!x", nil, ""},
		// Context words: the username, the site's name, the product's name.
		{"context product name", "precinct", nil, msgContext},
		{"context product name any case", "PreCinct", nil, msgContext},
		{"context product name trimmed", "  precinct  ", nil, msgContext},
		{"context product name with digits", "Precinct2024", nil, msgContext},
		{"context product name repeated", "precinctprecinct", nil, msgContext},
		{"context username with digits", "johndoe123", ctxWords, msgContext},
		{"context username repeated", "JohnDoeJohnDoe", ctxWords, msgContext},
		{"context username repeated with digits", "johndoejohndoe1", ctxWords, msgContext},
		{"context community name", "springfield pd", ctxWords, msgContext},
		{"context community name trimmed", " SPRINGFIELD PD ", ctxWords, msgContext},
		{"context word inside a passphrase is fine", "johndoe likes green tea", ctxWords, ""},
		{"context word with a suffix is fine", "johndoe-was-here", ctxWords, ""},
		{"context word after other text is fine", "1johndoe1", ctxWords, ""},
		{"empty context words are ignored", "nothing to see here", []string{"", " "}, ""},
		{"username only matters when given", "johndoe123", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			secret := ""
			if len(tc.password) >= 4 {
				secret = tc.password
			}
			expectRule(t, CheckPassword(tc.password, tc.words...), tc.want, secret)
		})
	}
}

// TestR5EveryListEntryRefused reads the embedded file independently of the
// parser and checks every entry, in any case, is refused.
func TestR5EveryListEntryRefused(t *testing.T) {
	distinct := map[string]bool{}
	for line := range strings.Lines(commonPasswordsText) {
		line = strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(line, "#") {
			if IsCommonPassword(line) {
				t.Errorf("comment line %q is treated as an entry", line)
			}
			continue
		}
		if line == "" {
			continue
		}
		if n := utf8.RuneCountInString(line); n < MinPasswordLen || n > MaxPasswordLen {
			t.Errorf("entry of %d code points; the length rule already refuses it", n)
		}
		distinct[strings.ToLower(line)] = true
		for _, v := range []string{line, strings.ToUpper(line), strings.ToLower(line)} {
			if !IsCommonPassword(v) {
				t.Fatalf("IsCommonPassword(%q) = false", v)
			}
			if err := CheckPassword(v); err == nil {
				t.Fatalf("CheckPassword(%q) accepted a listed password", v)
			}
		}
	}
	if got := CommonPasswordCount(); got != len(distinct) || got < 3000 {
		t.Errorf("CommonPasswordCount() = %d, want %d (and over 3000)", got, len(distinct))
	}
}

func TestR5IsCommonPasswordIsExactApartFromCase(t *testing.T) {
	for _, p := range []string{"", " password1", "password1 ", "password1\n", "pass word1", strings.Repeat("a", 2000)} {
		if IsCommonPassword(p) {
			t.Errorf("IsCommonPassword(%q) = true; only case is ignored", p)
		}
	}
}

// TestR19NormalizeAnswer: variants a user would consider the same answer
// normalise to one string, so the answer hash matches.
func TestR19NormalizeAnswer(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  Fluffy  The\tCat ", "fluffy the cat"},
		{"ｆｌｕｆｆｙ", "fluffy"},              // fullwidth letters (NFKC)
		{"Ｆｌｕｆｆｙ\u3000ｃａｔ", "fluffy cat"}, // ideographic space
		{"ﬁdo", "fido"},                   // ligature
		{"a\u00a0b", "a b"},               // no-break space
		{"e\u0301cole", "\u00e9cole"},     // decomposed é composes
		{"\u00e9cole", "\u00e9cole"},
		{"MÜNCHEN", "münchen"},
		{"\n\r\t", ""},
		{"", ""},
		{"line\nbreak", "line break"},
	} {
		got := NormalizeAnswer(tc.in)
		if got != tc.want {
			t.Errorf("NormalizeAnswer(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if again := NormalizeAnswer(got); again != got {
			t.Errorf("NormalizeAnswer is not idempotent on %q: %q", got, again)
		}
	}
}

// TestR20CheckAnswer: answers must be long enough to guess poorly, must not
// repeat the username or password, and must not be trivial.
func TestR20CheckAnswer(t *testing.T) {
	const user, pass = "JohnDoe", "Fluffy The Cat 9"
	cases := []struct {
		name   string
		index  int
		answer string
		want   string
	}{
		{"ok", 1, "Fluffy", ""},
		{"ok three letters", 2, "Rex", ""},
		{"ok after collapsing to three", 1, "  a   b  ", ""},
		{"ok unicode", 1, "Zürich", ""},
		{"ok 128 code points", 1, strings.Repeat("ab", 64), ""},
		{"ok 128 emoji with padding", 1, strings.Repeat("😀🙂", 64) + strings.Repeat(" ", 2000), ""},
		{"too short", 1, "ab", "Security answer 1 is too short; use at least 3 characters"},
		{"too short after trimming", 2, "   ab   ", "Security answer 2 is too short; use at least 3 characters"},
		{"empty", 1, "", "Security answer 1 is too short; use at least 3 characters"},
		{"too long", 1, strings.Repeat("ab", 64) + "c", "Security answer 1 is too long; use at most 128 characters"},
		{"too long raw", 2, strings.Repeat(" ", 16*MaxSecretBytes+1) + "abc", "Security answer 2 is too long"},
		{"invalid UTF-8", 1, "ab\xffcd", "Security answer 1 must be valid UTF-8 text"},
		{"username", 1, "johndoe", "Security answer 1 must not be your username"},
		{"username spaced", 2, "  JOHNDOE ", "Security answer 2 must not be your username"},
		{"password", 1, "fluffy the cat 9", "Security answer 1 must not be your password"},
		{"password fullwidth", 1, "ＦＬＵＦＦＹ the cat 9", "Security answer 1 must not be your password"},
		{"trivial idk", 1, "IDK", "Security answer 1 is too easy to guess"},
		{"trivial n/a", 2, "N/A", "Security answer 2 is too easy to guess"},
		{"trivial none", 1, " None ", "Security answer 1 is too easy to guess"},
		{"trivial 1234", 1, "1234", "Security answer 1 is too easy to guess"},
		{"trivial password", 1, "Password", "Security answer 1 is too easy to guess"},
		{"trivial qwerty", 1, "qwerty", "Security answer 1 is too easy to guess"},
		{"trivial unknown", 1, "unknown", "Security answer 1 is too easy to guess"},
		{"trivial same", 1, "SAME", "Security answer 1 is too easy to guess"},
		{"trivial fullwidth", 1, "ｎｏｎｅ", "Security answer 1 is too easy to guess"},
		{"repeated char", 1, "zzzzzz", "Security answer 1 is too easy to guess"},
		{"repeated emoji", 2, "🙂🙂🙂", "Security answer 2 is too easy to guess"},
		{"repeated char case", 1, "AaA", "Security answer 1 is too easy to guess"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			secret := ""
			if a := strings.TrimSpace(tc.answer); len(a) >= 3 {
				secret = a
			}
			expectRule(t, CheckAnswer(tc.index, tc.answer, user, pass), tc.want, secret)
		})
	}
}

// TestR20CheckAnswerWithoutAccountContext: empty username and password, as
// when the caller has none to compare, compare with nothing.
func TestR20CheckAnswerWithoutAccountContext(t *testing.T) {
	if err := CheckAnswer(1, "Rex", "", ""); err != nil {
		t.Errorf("CheckAnswer with empty context: %v", err)
	}
}

// expectRule checks a policy's verdict: no error when want is empty,
// otherwise an invalid error with exactly that message, which never echoes
// secret.
func expectRule(t *testing.T, err error, want, secret string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("accepted, want %q", want)
	}
	if cad.ErrorCode(err) != cad.EINVALID || cad.ErrorMessage(err) != want {
		t.Errorf("got %q %q, want %q %q", cad.ErrorCode(err), cad.ErrorMessage(err), cad.EINVALID, want)
	}
	if secret != "" && strings.Contains(err.Error(), secret) {
		t.Errorf("error %q echoes the secret", err)
	}
}
