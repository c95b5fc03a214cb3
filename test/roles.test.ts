import assert from 'node:assert/strict';
import { ROLE, roleHelpers } from '../lib';

const MEMBERSHIP = 'http://purl.imsglobal.org/vocab/lis/v2/membership';
const INSTITUTION = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person';
const SYSTEM = 'http://purl.imsglobal.org/vocab/lis/v2/system/person';

type Flag = 'isInstructor' | 'isContextAdministrator' | 'isInstitutionAdministrator' | 'isSystemAdministrator' | 'isPlatformAdministrator' | 'isAdministrator';
const FLAGS: Flag[] = ['isInstructor', 'isContextAdministrator', 'isInstitutionAdministrator', 'isSystemAdministrator', 'isPlatformAdministrator', 'isAdministrator'];

describe('role helpers (LTI Core 1.3 Appendix A)', () => {
  // Each row: the roles claim, and exactly the helpers that must be true.
  const CASES: Array<[string, string[], Flag[]]> = [
    ['Instructor', [ROLE.instructor], ['isInstructor']],
    ['Instructor, short form', ['Instructor'], ['isInstructor']],
    ['TeachingAssistant sub-role', [ROLE.teachingAssistant], ['isInstructor']],
    ['Grader sub-role', [`${MEMBERSHIP}/Instructor#Grader`], ['isInstructor']],
    ['GuestInstructor sub-role', [`${MEMBERSHIP}/Instructor#GuestInstructor`], ['isInstructor']],
    ['context Administrator', [ROLE.contextAdministrator], ['isContextAdministrator', 'isAdministrator']],
    ['context Administrator, short form', ['Administrator'], ['isContextAdministrator', 'isAdministrator']],
    ['institution Administrator', [`${INSTITUTION}#Administrator`], ['isInstitutionAdministrator', 'isPlatformAdministrator', 'isAdministrator']],
    ['system Administrator', [`${SYSTEM}#Administrator`], ['isSystemAdministrator', 'isPlatformAdministrator', 'isAdministrator']],
    ['system SysAdmin', [`${SYSTEM}#SysAdmin`], ['isSystemAdministrator', 'isPlatformAdministrator', 'isAdministrator']],
    ['institution Instructor', [`${INSTITUTION}#Instructor`], []],
    ['system AccountAdmin / SysSupport (not administrators of the tool)', [`${SYSTEM}#AccountAdmin`, `${SYSTEM}#SysSupport`], []],
    ['an Administrator sub-role of the context', [`${MEMBERSHIP}/Administrator#Support`], []],
    ['look-alike URIs', [`${INSTITUTION}#Administrator2`, `https://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator`, 'institution/person#Administrator'], []],
  ];
  for (const [name, roles, expected] of CASES) {
    it(`${name} → ${expected.join(', ') || 'none of the instructor/administrator helpers'}`, () => {
      const helpers = roleHelpers(roles);
      for (const flag of FLAGS) assert.equal(helpers[flag], expected.includes(flag), `${flag} for ${JSON.stringify(roles)}`);
    });
  }
});
