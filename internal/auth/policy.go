package auth

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/precinct-cad/precinct/internal/cad"
)

// Password length limits, counted in Unicode code points so that a password
// of emoji or accented letters is held to the same rule as an ASCII one.
const (
	// MinPasswordLen is the fewest code points a password may have (R1).
	MinPasswordLen = 8
	// MaxPasswordLen is the most code points a password may have (R2); long
	// enough for any passphrase, short enough to bound the work per login.
	MaxPasswordLen = 128
	// MaxSecretBytes is a hard cap on the bytes of any password or answer,
	// checked before anything else reads the string, against long-password
	// denial of service (R2).
	MaxSecretBytes = 1024
)

// Security answer length limits, in code points after NormalizeAnswer (R20).
const (
	minAnswerLen = 3
	maxAnswerLen = 128
	// maxRawAnswerBytes bounds the work of normalising an answer. It is
	// above MaxSecretBytes because NFKC and whitespace folding can shrink
	// a legitimate answer, but far below anything a person would type.
	maxRawAnswerBytes = 16 * MaxSecretBytes
)

//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords is the embedded list, lower-cased, parsed on first use and
// never written afterwards.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, strings.Count(commonPasswordsText, "\n"))
	for line := range strings.Lines(commonPasswordsText) {
		// Only the line ending is cut: spaces may be part of a password.
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[strings.ToLower(line)] = struct{}{}
	}
	return set
})

// productName is refused as a password whatever context words the caller
// passes: it is the first guess against any site that runs Precinct.
const productName = "precinct"

// CheckPassword applies the password policy to password and returns nil, or
// a *cad.Error with code cad.EINVALID whose message names the rule broken
// and never contains the password. The rules: valid UTF-8; at least
// MinPasswordLen (R1) and at most MaxPasswordLen (R2) code points, and at
// most MaxSecretBytes bytes; no composition rules, so spaces, symbols and
// emoji are all welcome (R4); not on the shipped list of common passwords,
// compared case-insensitively (R5); and not, case-insensitively and after
// trimming, one of contextWords (the username, the community's name and the
// like; "precinct" is always included, empty words are ignored), nor one of
// them repeated or followed only by digits ("johndoe123", "johndoejohndoe").
// CheckPassword only inspects the password: callers hash it exactly as
// given, never trimmed or case-folded (R3).
func CheckPassword(password string, contextWords ...string) error {
	// The byte cap comes first so that nothing below walks a huge string.
	// It cannot refuse a password of MaxPasswordLen code points (at most
	// 4 bytes each), so its message is the length rule the user knows.
	if len(password) > MaxSecretBytes {
		return cad.Errorf(cad.EINVALID, "Password must be at most %d characters", MaxPasswordLen)
	}
	if !utf8.ValidString(password) {
		return cad.Errorf(cad.EINVALID, "Password must be valid UTF-8 text")
	}
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLen {
		return cad.Errorf(cad.EINVALID, "Password must be at least %d characters", MinPasswordLen)
	}
	if n > MaxPasswordLen {
		return cad.Errorf(cad.EINVALID, "Password must be at most %d characters", MaxPasswordLen)
	}
	if IsCommonPassword(password) {
		return cad.Errorf(cad.EINVALID, "Password is too common; choose another")
	}
	folded := strings.ToLower(strings.TrimSpace(password))
	if isContextVariant(folded, productName) {
		return errContextWord()
	}
	for _, w := range contextWords {
		if isContextVariant(folded, strings.ToLower(strings.TrimSpace(w))) {
			return errContextWord()
		}
	}
	return nil
}

func errContextWord() error {
	return cad.Errorf(cad.EINVALID, "Password must not contain your username or the site's name")
}

// isContextVariant reports whether p (already folded) is w, w repeated, or
// either followed only by ASCII digits. It is deliberately narrow: a word
// merely contained in a longer password is the user's own choice (R4).
func isContextVariant(p, w string) bool {
	if w == "" || !strings.HasPrefix(p, w) {
		return false
	}
	rest := p
	for strings.HasPrefix(rest, w) {
		rest = rest[len(w):]
	}
	for _, r := range rest {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// IsCommonPassword reports whether p is on the shipped list of common
// passwords, ignoring case (R5). p is compared exactly otherwise: no
// trimming or normalisation.
func IsCommonPassword(p string) bool {
	if len(p) > MaxSecretBytes {
		return false // nothing that long is on the list; skip the ToLower
	}
	_, ok := commonPasswords()[strings.ToLower(p)]
	return ok
}

// CommonPasswordCount returns how many distinct entries, ignoring case, the
// shipped list of common passwords holds.
func CommonPasswordCount() int {
	return len(commonPasswords())
}

// NormalizeAnswer returns the form of a security answer that is hashed and
// compared (R19), so that "Fluffy", " fluffy " and "ｆｌｕｆｆｙ" are one
// answer: Unicode NFKC, then leading and trailing whitespace removed, inner
// runs of whitespace made one space, then lower case.
func NormalizeAnswer(s string) string {
	s = norm.NFKC.String(s)
	s = strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
	return strings.ToLower(s)
}

// CheckAnswer applies the security-answer policy (R20) to answer, the one
// at position index as the user sees it, and returns nil or a *cad.Error with
// code cad.EINVALID whose message names the answer by index and never
// echoes it. After NormalizeAnswer the answer must be valid UTF-8 of
// 3..128 code points and at most MaxSecretBytes bytes; it must not equal
// the normalised username or password; and it must not be a trivial answer
// ("idk", "none", "1234", ...) or one character repeated.
func CheckAnswer(index int, answer, username, password string) error {
	if len(answer) > maxRawAnswerBytes {
		return cad.Errorf(cad.EINVALID, "Security answer %d is too long", index)
	}
	if !utf8.ValidString(answer) {
		return cad.Errorf(cad.EINVALID, "Security answer %d must be valid UTF-8 text", index)
	}
	a := NormalizeAnswer(answer)
	n := utf8.RuneCountInString(a)
	if n < minAnswerLen {
		return cad.Errorf(cad.EINVALID, "Security answer %d is too short; use at least %d characters", index, minAnswerLen)
	}
	if n > maxAnswerLen || len(a) > MaxSecretBytes {
		return cad.Errorf(cad.EINVALID, "Security answer %d is too long; use at most %d characters", index, maxAnswerLen)
	}
	if a == NormalizeAnswer(username) {
		return cad.Errorf(cad.EINVALID, "Security answer %d must not be your username", index)
	}
	if len(password) <= maxRawAnswerBytes && a == NormalizeAnswer(password) {
		return cad.Errorf(cad.EINVALID, "Security answer %d must not be your password", index)
	}
	if isTrivialAnswer(a) {
		return cad.Errorf(cad.EINVALID, "Security answer %d is too easy to guess", index)
	}
	return nil
}

// isTrivialAnswer reports whether a (normalised) is an answer anyone would
// try first, which protects nothing.
func isTrivialAnswer(a string) bool {
	switch a {
	case "123", "1234", "12345", "123456", "abc", "abcd", "password", "none", "n/a", "na",
		"idk", "i don't know", "dont know", "don't know", "test", "asdf", "qwerty", "aaa",
		"yes", "no", "unknown", "nothing", "same", "null", "nil":
		return true
	}
	first, _ := utf8.DecodeRuneInString(a)
	for _, r := range a {
		if r != first {
			return false
		}
	}
	return true
}
