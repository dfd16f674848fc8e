import type { Key, WriteEntry } from '../../contracts/kv.js';
import { catalogKey } from '../catalog/catalog.js';

/**
 * Roles and privileges in the catalog (reference/dsql.md §5.2): they live in the catalog's key
 * range like tables do and change by ordinary commits, so every QP sees a GRANT in the next
 * transaction after it commits — DSQL's rule ("Modifications to privileges take effect on the
 * next transaction"). Keys, under the catalog's table id:
 *   index 20, suffix u32 role oid                 → JSON RoleInfo
 *   index 21, suffix u32 role oid, u32 member oid  → JSON MembershipInfo (GRANT role TO member)
 *   index 22, suffix u32 object oid                → JSON ObjectAcl (owner and ACL of a table, view,
 *                                                    sequence, function or schema)
 *   index 23, suffix u32 mapping oid               → JSON IamMapping (AWS IAM GRANT)
 *   index 24, suffix u32 role oid, u32 schema oid (0: every schema), u32 object type char code
 *                                                  → JSON DefaultAcl (ALTER DEFAULT PRIVILEGES)
 * An object without an index-22 record is owned by `admin` with the default ACL: everything
 * that existed before roles did keeps working unchanged. One record per key keeps concurrent
 * GRANTs on different objects from conflicting. (Indexes 9–19 are left to other catalog objects.)
 */
export const ROLES_INDEX = 20;
export const MEMBERSHIPS_INDEX = 21;
export const OBJECT_ACLS_INDEX = 22;
export const IAM_MAPPINGS_INDEX = 23;
export const DEFAULT_ACLS_INDEX = 24;

/** DSQL's built-in administrator; PostgreSQL's bootstrap superuser has the same oid. */
export const ADMIN_ROLE_OID = 10;
/** The grantee oid PostgreSQL uses for PUBLIC in an ACL. */
export const PUBLIC_OID = 0;

export interface RoleInfo {
  readonly oid: number;
  readonly name: string;
  readonly login: boolean;
  /** INHERIT: the role has the privileges of the roles it is a member of. */
  readonly inherit: boolean;
  /** CREATEROLE: only `admin` has it (custom roles cannot be given it). */
  readonly createRole: boolean;
}

export interface MembershipInfo {
  readonly roleOid: number;
  readonly memberOid: number;
  readonly grantorOid: number;
  readonly adminOption: boolean;
}

/** One aclitem: `grantee=privileges/grantor`, a privilege letter followed by `*` when grantable. */
export interface AclItem {
  readonly grantee: number;
  readonly grantor: number;
  /** Privilege letters (PostgreSQL's: r a w d D x t X U C). */
  readonly privileges: string;
  /** The subset of `privileges` held WITH GRANT OPTION. */
  readonly grantOptions: string;
}

export interface ObjectAcl {
  readonly oid: number;
  readonly owner: number;
  /** Null: the object's default ACL (its owner holds every privilege), as PostgreSQL's relacl. */
  readonly acl: readonly AclItem[] | null;
}

export interface IamMapping {
  readonly oid: number;
  readonly arn: string;
  readonly roleOid: number;
  readonly grantorOid: number;
}

/** pg_default_acl.defaclobjtype: tables (and views), sequences, functions, schemas. */
export type DefaultAclObjectType = 'r' | 'S' | 'f' | 'n';

/** One pg_default_acl row: the ACL objects of a type get when `role` creates them (in `schemaOid`, or anywhere when 0). */
export interface DefaultAcl {
  readonly oid: number;
  readonly role: number;
  readonly schemaOid: number;
  readonly objectType: DefaultAclObjectType;
  readonly acl: readonly AclItem[];
}

export const ADMIN_ROLE: RoleInfo = { oid: ADMIN_ROLE_OID, name: 'admin', login: true, inherit: true, createRole: true };

/** How deep role memberships may nest; a cycle is refused when granted, this bounds the walk. */
const MAX_MEMBERSHIP_DEPTH = 64;

export function isAccessIndex(index: number): boolean {
  return index >= ROLES_INDEX && index <= DEFAULT_ACLS_INDEX;
}

function u32(...values: number[]): Buffer {
  const suffix = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => suffix.writeUInt32BE(v, 4 * i));
  return suffix;
}

export function roleKey(oid: number): Key {
  return catalogKey(ROLES_INDEX, u32(oid));
}

export function membershipKey(roleOid: number, memberOid: number): Key {
  return catalogKey(MEMBERSHIPS_INDEX, u32(roleOid, memberOid));
}

export function objectAclKey(oid: number): Key {
  return catalogKey(OBJECT_ACLS_INDEX, u32(oid));
}

export function iamMappingKey(oid: number): Key {
  return catalogKey(IAM_MAPPINGS_INDEX, u32(oid));
}

export function defaultAclKey(role: number, schemaOid: number, objectType: DefaultAclObjectType): Key {
  return catalogKey(DEFAULT_ACLS_INDEX, u32(role, schemaOid, objectType.charCodeAt(0)));
}

const encoder = new TextEncoder();

function put(key: Key, value: unknown): WriteEntry {
  return { key, value: encoder.encode(JSON.stringify(value)) };
}

export const accessWrites = {
  putRole: (role: RoleInfo): WriteEntry => put(roleKey(role.oid), role),
  deleteRole: (oid: number): WriteEntry => ({ key: roleKey(oid), value: null }),
  putMembership: (m: MembershipInfo): WriteEntry => put(membershipKey(m.roleOid, m.memberOid), m),
  deleteMembership: (roleOid: number, memberOid: number): WriteEntry => ({ key: membershipKey(roleOid, memberOid), value: null }),
  putObjectAcl: (acl: ObjectAcl): WriteEntry => put(objectAclKey(acl.oid), acl),
  deleteObjectAcl: (oid: number): WriteEntry => ({ key: objectAclKey(oid), value: null }),
  putIamMapping: (m: IamMapping): WriteEntry => put(iamMappingKey(m.oid), m),
  deleteIamMapping: (oid: number): WriteEntry => ({ key: iamMappingKey(oid), value: null }),
  putDefaultAcl: (d: DefaultAcl): WriteEntry => put(defaultAclKey(d.role, d.schemaOid, d.objectType), d),
  deleteDefaultAcl: (d: DefaultAcl): WriteEntry => ({ key: defaultAclKey(d.role, d.schemaOid, d.objectType), value: null }),
};

/** The roles, memberships, ACLs and IAM mappings of one catalog snapshot (immutable). */
export class AccessCatalog {
  private readonly rolesByName = new Map<string, RoleInfo>();
  private readonly rolesByOid = new Map<number, RoleInfo>();
  /** member oid → the memberships it holds. */
  private readonly memberOf = new Map<number, MembershipInfo[]>();
  private readonly acls = new Map<number, ObjectAcl>();
  private readonly mappings: IamMapping[] = [];
  private readonly defaults: DefaultAcl[] = [];

  private constructor(roles: Iterable<RoleInfo>, memberships: Iterable<MembershipInfo>, acls: Iterable<ObjectAcl>, mappings: Iterable<IamMapping>,
    defaults: Iterable<DefaultAcl> = []) {
    for (const role of [ADMIN_ROLE, ...roles]) {
      this.rolesByName.set(role.name, role);
      this.rolesByOid.set(role.oid, role);
    }
    for (const m of memberships) this.memberOf.set(m.memberOid, [...(this.memberOf.get(m.memberOid) ?? []), m]);
    for (const acl of acls) this.acls.set(acl.oid, acl);
    this.mappings.push(...mappings);
    this.defaults.push(...defaults);
  }

  static empty(): AccessCatalog {
    return new AccessCatalog([], [], [], []);
  }

  static fromEntries(entries: Iterable<{ index: number; key: Uint8Array; text: string }>): AccessCatalog {
    const roles: RoleInfo[] = [];
    const memberships: MembershipInfo[] = [];
    const acls: ObjectAcl[] = [];
    const mappings: IamMapping[] = [];
    const defaults: DefaultAcl[] = [];
    for (const { index, text } of entries) {
      if (index === ROLES_INDEX) roles.push(JSON.parse(text) as RoleInfo);
      else if (index === MEMBERSHIPS_INDEX) memberships.push(JSON.parse(text) as MembershipInfo);
      else if (index === OBJECT_ACLS_INDEX) acls.push(JSON.parse(text) as ObjectAcl);
      else if (index === IAM_MAPPINGS_INDEX) mappings.push(JSON.parse(text) as IamMapping);
      else if (index === DEFAULT_ACLS_INDEX) defaults.push(JSON.parse(text) as DefaultAcl);
    }
    return new AccessCatalog(roles, memberships, acls, mappings, defaults);
  }

  role(name: string): RoleInfo | undefined {
    return this.rolesByName.get(name);
  }

  roleByOid(oid: number): RoleInfo | undefined {
    return this.rolesByOid.get(oid);
  }

  allRoles(): RoleInfo[] {
    return [...this.rolesByOid.values()];
  }

  /** The name of a role oid as pg_get_userbyid prints it. */
  roleName(oid: number): string {
    return this.rolesByOid.get(oid)?.name ?? `unknown (OID=${oid})`;
  }

  allMemberships(): MembershipInfo[] {
    return [...this.memberOf.values()].flat();
  }

  /** The memberships `memberOid` holds directly. */
  membershipsOf(memberOid: number): readonly MembershipInfo[] {
    return this.memberOf.get(memberOid) ?? [];
  }

  membership(roleOid: number, memberOid: number): MembershipInfo | undefined {
    return this.membershipsOf(memberOid).find((m) => m.roleOid === roleOid);
  }

  objectAcl(oid: number): ObjectAcl | undefined {
    return this.acls.get(oid);
  }

  allObjectAcls(): Iterable<ObjectAcl> {
    return this.acls.values();
  }

  ownerOf(oid: number): number {
    return this.acls.get(oid)?.owner ?? ADMIN_ROLE_OID;
  }

  iamMappings(): readonly IamMapping[] {
    return this.mappings;
  }

  /** pg_default_acl's rows. */
  defaultAcls(): readonly DefaultAcl[] {
    return this.defaults;
  }

  defaultAcl(role: number, schemaOid: number, objectType: DefaultAclObjectType): DefaultAcl | undefined {
    return this.defaults.find((d) => d.role === role && d.schemaOid === schemaOid && d.objectType === objectType);
  }

  /**
   * The roles whose privileges `roleOid` has: itself and, through roles with INHERIT, the roles
   * it is a member of (PostgreSQL 15's has_privs_of_role).
   */
  privilegeRoles(roleOid: number): Set<number> {
    return this.closure(roleOid, true);
  }

  /** The roles `roleOid` is a member of, directly or not, whatever INHERIT says (SET ROLE's test). */
  memberRoles(roleOid: number): Set<number> {
    return this.closure(roleOid, false);
  }

  hasPrivilegesOf(roleOid: number, ofRoleOid: number): boolean {
    return roleOid === ofRoleOid || this.privilegeRoles(roleOid).has(ofRoleOid);
  }

  private closure(roleOid: number, throughInheritOnly: boolean): Set<number> {
    const seen = new Set<number>([roleOid]);
    let frontier = [roleOid];
    for (let depth = 0; depth < MAX_MEMBERSHIP_DEPTH && frontier.length > 0; depth++) {
      const next: number[] = [];
      for (const oid of frontier) {
        if (throughInheritOnly && this.rolesByOid.get(oid)?.inherit === false) continue;
        for (const m of this.membershipsOf(oid)) {
          if (!seen.has(m.roleOid)) {
            seen.add(m.roleOid);
            next.push(m.roleOid);
          }
        }
      }
      frontier = next;
    }
    return seen;
  }
}
