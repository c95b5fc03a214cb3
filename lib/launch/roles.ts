/** Role URIs of LTI Core 1.3 Appendix A that the helpers look for. */
export const ROLE = {
  instructor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
  learner: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
  mentor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor',
  contentDeveloper: 'http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper',
  teachingAssistant: 'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant',
  contextAdministrator: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator',
  institutionAdministrator: 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
  systemAdministrator: 'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator',
} as const;

/** Role checks over the `roles` claim. */
export interface RoleHelpers {
  /** Instructor in the context (teaching assistants included, as LTI's sub-role of Instructor). */
  isInstructor: boolean;
  /** Learner in the context. */
  isLearner: boolean;
  /** Administrator of the context, the institution or the system. */
  isAdministrator: boolean;
  /** Mentor in the context. */
  isMentor: boolean;
  /** Content developer in the context. */
  isContentDeveloper: boolean;
  /** Whether the roles include `uri`. */
  has(uri: string): boolean;
}

/**
 * Helpers over a roles array. LTI Core §A.2.3.1 lets context roles come in the
 * short form (`Instructor`), which platforms still send, so both forms count.
 */
export function roleHelpers(roles: readonly string[]): RoleHelpers {
  const set = new Set(roles);
  const has = (uri: string) => set.has(uri);
  const hasContextRole = (uri: string) => has(uri) || has(uri.slice(uri.lastIndexOf('#') + 1));
  return {
    isInstructor: hasContextRole(ROLE.instructor) || roles.some((r) => r.startsWith(`${ROLE.instructor.replace('#', '/')}#`)),
    isLearner: hasContextRole(ROLE.learner),
    isAdministrator:
      hasContextRole(ROLE.contextAdministrator) || has(ROLE.institutionAdministrator) || has(ROLE.systemAdministrator),
    isMentor: hasContextRole(ROLE.mentor),
    isContentDeveloper: hasContextRole(ROLE.contentDeveloper),
    has,
  };
}
