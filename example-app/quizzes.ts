// The example tool's content: a few one-question quizzes. A real tool reads these from its database.

export interface Quiz {
  id: string;
  title: string;
  /** Shown in the picker. */
  description: string;
  question: string;
  choices: string[];
  /** Index into `choices`. */
  answer: number;
  /** Graded quizzes carry a line item in the deep-linking response; practice ones do not. */
  scoreMaximum?: number;
}

export const QUIZZES: readonly Quiz[] = [
  {
    id: 'week-1',
    title: 'Week 1 quiz: What is LTI?',
    description: 'One question on what a launch is. Graded, 10 points.',
    question: 'What does the LMS post to the tool at the end of an LTI 1.3 launch?',
    choices: ['A password', 'A signed id_token (a JWT)', 'A SAML assertion'],
    answer: 1,
    scoreMaximum: 10,
  },
  {
    id: 'week-2',
    title: 'Week 2 quiz: Grades',
    description: 'One question on Assignment and Grade Services. Graded, 10 points.',
    question: 'Where does a tool post a score?',
    choices: ['To {lineitem}/scores', 'To the launch URL', 'By email to the instructor'],
    answer: 0,
    scoreMaximum: 10,
  },
  {
    id: 'practice',
    title: 'Practice question (not graded)',
    description: 'A warm-up with no gradebook column.',
    question: 'Which HTTP method does the platform use for the launch?',
    choices: ['GET', 'POST', 'DELETE'],
    answer: 1,
  },
];

/** The quiz shown for a launch: the launched link's, else the first (the dev platform's "Week 1 quiz"). */
export function quizById(id: string | undefined): Quiz | undefined {
  return QUIZZES.find((quiz) => quiz.id === id);
}
