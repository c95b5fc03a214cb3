/** Role URIs of LTI Core 1.3 Appendix A that the helpers look for. */
export const ROLE = {
  // Context (course) roles, §A.2.3, and a sub-role, §A.2.3.1.
  instructor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
  learner: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
  mentor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor',
  contentDeveloper: 'http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper',
  teachingAssistant: 'http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant',
  contextAdministrator: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator',
  // Institution role, §A.2.2 (Canvas: account administrators).
  institutionAdministrator: 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
  // System roles, §A.2.1: the core Administrator, and the non-core SysAdmin (Canvas: site administrators).
  systemAdministrator: 'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator',
  systemSysAdmin: 'http://purl.imsglobal.org/vocab/lis/v2/system/person#SysAdmin',
} as const;

/**
 * Role checks over the `roles` claim. Context roles say what the user is in the
 * course launched from; institution and system roles say what the user is on
 * the whole platform. Only the latter fit decisions that reach beyond one
 * course, such as turning the tool on for a deployment.
 */
export interface RoleHelpers {
  /**
   * Instructor in the context, any sub-role included (`Instructor#TeachingAssistant`,
   * `#Grader`, `#GuestInstructor`, `#ExternalInstructor`, …). A course role: not an
   * administrator check.
   */
  isInstructor: boolean;
  /** Learner in the context. */
  isLearner: boolean;
  /** Administrator of the context only (`membership#Administrator`, or its short form). A course role. */
  isContextAdministrator: boolean;
  /** The institution role Administrator (`institution/person#Administrator`). */
  isInstitutionAdministrator: boolean;
  /** A system role Administrator or SysAdmin (`system/person#Administrator`, `system/person#SysAdmin`). */
  isSystemAdministrator: boolean;
  /**
   * `isInstitutionAdministrator || isSystemAdministrator`: an administrator of the
   * platform, not just of a course. Ask this before platform- or deployment-wide
   * changes.
   */
  isPlatformAdministrator: boolean;
  /**
   * `isContextAdministrator || isPlatformAdministrator`. Mixes a course role with
   * platform roles: use `isPlatformAdministrator` for deployment-wide decisions.
   */
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
 * short form (`Instructor`), which platforms still send, so both forms count;
 * institution and system roles count only as full URIs (they have no short form).
 */
export function roleHelpers(roles: readonly string[]): RoleHelpers {
  const set = new Set(roles);
  const has = (uri: string) => set.has(uri);
  const hasContextRole = (uri: string) => has(uri) || has(uri.slice(uri.lastIndexOf('#') + 1));
  const isContextAdministrator = hasContextRole(ROLE.contextAdministrator);
  const isInstitutionAdministrator = has(ROLE.institutionAdministrator);
  const isSystemAdministrator = has(ROLE.systemAdministrator) || has(ROLE.systemSysAdmin);
  const isPlatformAdministrator = isInstitutionAdministrator || isSystemAdministrator;
  return {
    isInstructor: hasContextRole(ROLE.instructor) || roles.some((r) => r.startsWith(`${ROLE.instructor.replace('#', '/')}#`)),
    isLearner: hasContextRole(ROLE.learner),
    isContextAdministrator,
    isInstitutionAdministrator,
    isSystemAdministrator,
    isPlatformAdministrator,
    isAdministrator: isContextAdministrator || isPlatformAdministrator,
    isMentor: hasContextRole(ROLE.mentor),
    isContentDeveloper: hasContextRole(ROLE.contentDeveloper),
    has,
  };
}
