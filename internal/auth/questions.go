package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// SecurityQuestions returns the fixed list of questions users choose their
// two security questions from, as a new slice the caller may modify. Users
// cannot write their own (R20): self-written questions tend to have answers
// that are public or guessable. Each question here has an answer that is
// stable over a lifetime, has many possible values, and is rarely posted.
func SecurityQuestions() []string {
	// A fresh slice per call keeps the list immutable without package state.
	return []string{
		"What is your pet's name?",
		"What city were you born in?",
		"What was the name of your first school?",
		"What is the name of the street you grew up on?",
		"What was the make of your first car?",
		"What is your oldest cousin's first name?",
		"What was the first concert you attended?",
		"What is your favourite book from childhood?",
		"In what city did your parents meet?",
		"What was the name of your childhood best friend?",
		"What was your first job?",
		"What is your grandmother's maiden name?",
	}
}

// CanonicalQuestion returns the list's exact text for q, and false when q is
// not on the list. The match ignores case, surrounding whitespace, runs of
// inner whitespace and Unicode compatibility forms, so that a client need
// not echo the text byte for byte; what is stored is always the list's text.
func CanonicalQuestion(q string) (string, bool) {
	if len(q) > MaxSecretBytes {
		return "", false // far longer than any question; skip normalising it
	}
	want := NormalizeAnswer(q)
	for _, c := range SecurityQuestions() {
		if NormalizeAnswer(c) == want {
			return c, true
		}
	}
	return "", false
}

// DecoyQuestions returns two distinct questions from the list for a username
// that has no account, chosen by HMAC-SHA256(key, usernameKey), so that a
// password-reset form answers for a missing user just as for a real one
// (R22): the same pair every time it is asked, and a pair a real user could
// have chosen. key must be a server secret, or anyone could predict the
// pairs and tell decoys from real users; usernameKey should be the same
// canonical form of the username that accounts are looked up by, so that
// spelling variants of one name get one pair.
func DecoyQuestions(key []byte, usernameKey string) (q1, q2 string) {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(usernameKey))
	sum := mac.Sum(nil)
	qs := SecurityQuestions()
	n := uint64(len(qs))
	// Reducing 64 random bits modulo 12 leaves a bias of about 2^-60: none
	// that an observer could measure.
	i := binary.BigEndian.Uint64(sum[0:8]) % n
	j := binary.BigEndian.Uint64(sum[8:16]) % (n - 1)
	if j >= i {
		j++ // skip i, so the pair is distinct and every other index is equally likely
	}
	return qs[i], qs[j]
}
