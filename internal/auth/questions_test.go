package auth

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestR20SecurityQuestionsList: the list is fixed, holds the reference
// API's examples verbatim, and has no duplicates.
func TestR20SecurityQuestionsList(t *testing.T) {
	qs := SecurityQuestions()
	if len(qs) < 10 || len(qs) > 20 {
		t.Errorf("%d questions, want about 12", len(qs))
	}
	for _, want := range []string{"What is your pet's name?", "What city were you born in?"} {
		if !slices.Contains(qs, want) {
			t.Errorf("list lacks %q", want)
		}
	}
	seen := map[string]bool{}
	for _, q := range qs {
		k := NormalizeAnswer(q)
		if seen[k] {
			t.Errorf("duplicate question %q", q)
		}
		seen[k] = true
		if !strings.HasSuffix(q, "?") || strings.TrimSpace(q) != q {
			t.Errorf("question %q is not a clean question", q)
		}
	}
	// A copy: changing it must not change the list.
	qs[0] = "What is your password?"
	if SecurityQuestions()[0] == qs[0] {
		t.Error("SecurityQuestions returned shared storage")
	}
}

// TestR20CanonicalQuestion: only questions on the list are accepted, and
// the stored text is always the list's own.
func TestR20CanonicalQuestion(t *testing.T) {
	const pet = "What is your pet's name?"
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{pet, pet, true},
		{"what is your pet's name?", pet, true},
		{"  WHAT IS YOUR   PET'S\tNAME?  ", pet, true},
		{"What is your pet's name？", pet, true}, // fullwidth question mark
		{"What city were you born in?", "What city were you born in?", true},
		{"What is your pet's name", "", false}, // no question mark
		{"What is your pets name?", "", false},
		{"What is my favourite colour?", "", false}, // user-written
		{"", "", false},
		{strings.Repeat("What is your pet's name?", 100), "", false},
	} {
		got, ok := CanonicalQuestion(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("CanonicalQuestion(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	for _, q := range SecurityQuestions() {
		if got, ok := CanonicalQuestion(q); !ok || got != q {
			t.Errorf("CanonicalQuestion(%q) = %q, %v", q, got, ok)
		}
	}
}

// TestR22DecoyQuestionsStableAndPlausible: a missing user gets the same two
// distinct listed questions every time, as a real user would.
func TestR22DecoyQuestionsStableAndPlausible(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	qs := SecurityQuestions()
	for _, u := range []string{"ghost", "nobody", "", "ünïcödé", strings.Repeat("x", 300)} {
		q1, q2 := DecoyQuestions(key, u)
		if !slices.Contains(qs, q1) || !slices.Contains(qs, q2) {
			t.Errorf("%q: decoys %q, %q not both on the list", u, q1, q2)
		}
		if q1 == q2 {
			t.Errorf("%q: decoys are the same question %q", u, q1)
		}
		r1, r2 := DecoyQuestions(key, u)
		if r1 != q1 || r2 != q2 {
			t.Errorf("%q: decoys changed between calls: (%q, %q) then (%q, %q)", u, q1, q2, r1, r2)
		}
	}
}

// TestR22DecoyQuestionsSpread: over many usernames every question appears in
// both positions, roughly evenly, so decoys do not stand out from a
// population of real choices; and the pair depends on the key.
func TestR22DecoyQuestionsSpread(t *testing.T) {
	key := []byte("server secret A")
	qs := SecurityQuestions()
	const users = 2400
	first, second := map[string]int{}, map[string]int{}
	pairs := map[[2]string]bool{}
	for i := range users {
		q1, q2 := DecoyQuestions(key, fmt.Sprintf("user%d", i))
		first[q1]++
		second[q2]++
		pairs[[2]string{q1, q2}] = true
	}
	even := users / len(qs)
	for _, q := range qs {
		for pos, counts := range []map[string]int{first, second} {
			if n := counts[q]; n < even/2 || n > even*3/2 {
				t.Errorf("%q is decoy %d for %d of %d users, want about %d", q, pos+1, n, users, even)
			}
		}
	}
	if want := len(qs) * (len(qs) - 1); len(pairs) != want {
		t.Errorf("%d distinct ordered pairs seen, want all %d", len(pairs), want)
	}

	differ := 0
	for i := range 50 {
		u := fmt.Sprintf("user%d", i)
		a1, a2 := DecoyQuestions(key, u)
		b1, b2 := DecoyQuestions([]byte("server secret B"), u)
		if a1 != b1 || a2 != b2 {
			differ++
		}
	}
	if differ < 40 {
		t.Errorf("only %d of 50 users got a different pair under another key", differ)
	}
}
