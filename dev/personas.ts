/** Who the development platform signs in, and its one course. */
import { ROLE } from '../lib/launch/roles';

export interface Persona {
  sub: string;
  name: string;
  email: string;
  roles: string[];
}

export const PERSONAS: Record<'instructor' | 'learner' | 'administrator', Persona> = {
  instructor: { sub: 'user-instructor-1', name: 'Ada Instructor', email: 'ada@platform.test', roles: [ROLE.instructor] },
  learner: { sub: 'user-learner-1', name: 'Lin Learner', email: 'lin@platform.test', roles: [ROLE.learner] },
  // An institution administrator (Canvas: an account admin) visiting the course.
  administrator: {
    sub: 'user-admin-1',
    name: 'Ida Administrator',
    email: 'ida@platform.test',
    roles: [ROLE.institutionAdministrator, ROLE.contextAdministrator],
  },
};

export const COURSE = { id: 'course-101', label: 'LTI 101', title: 'Introduction to LTI' };
