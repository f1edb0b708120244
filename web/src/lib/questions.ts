// The fixed list users choose their two security questions from. The server
// keeps the same list (internal/auth/questions.go, SecurityQuestions); a Go
// test (web/questions_test.go) fails when the two differ.
export const securityQuestions = [
  "What is your pet's name?",
  'What city were you born in?',
  'What was the name of your first school?',
  'What is the name of the street you grew up on?',
  'What was the make of your first car?',
  "What is your oldest cousin's first name?",
  'What was the first concert you attended?',
  'What is your favourite book from childhood?',
  'In what city did your parents meet?',
  'What was the name of your childhood best friend?',
  'What was your first job?',
  "What is your grandmother's maiden name?",
] as const;
