import { SqlError } from '../../contracts/errors.js';
import { CatalogChange } from '../catalog/catalog.js';
import { accessWrites, ADMIN_ROLE_OID } from './access-catalog.js';
import type { RoleStatement } from './role-ast.js';
import type { RoleDdlContext, RoleDdlResult } from './role-ddl.js';

/**
 * `AWS IAM GRANT role TO 'arn'` / `AWS IAM REVOKE role FROM 'arn'` (reference/dsql.md §5.2):
 * records which IAM principals may connect as a database role, shown in
 * sys.iam_pg_role_mappings. The texts are DSQL's. A token carries no IAM identity Strata can
 * check (it is signed with the cluster's own key), so the mapping is recorded, listed and keeps
 * its role from being dropped, but is not consulted at connection time (docs/auth.md).
 */
const IAM_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[A-Za-z0-9+=,.@_/-]{1,512}$/;

export function executeIamGrant(statement: Extract<RoleStatement, { kind: 'iam-grant' }>, ctx: RoleDdlContext): RoleDdlResult {
  const access = ctx.catalog.access;
  if (ctx.currentRole !== ADMIN_ROLE_OID) throw new SqlError('42501', `permission denied to grant IAM trust with role ${statement.role}`);
  const role = access.role(statement.role);
  if (!role) throw new SqlError('42704', `Role ${statement.role} does not exist`);
  if (role.oid === ADMIN_ROLE_OID) throw new SqlError('42501', `Cannot establish trust with role ${role.name}`);
  const change = new CatalogChange(ctx.catalog);
  const existing = access.iamMappings().find((m) => m.roleOid === role.oid && m.arn === statement.arn);
  if (statement.grant) {
    if (!IAM_ARN.test(statement.arn)) throw new SqlError('22023', 'IAM role must look like an IAM ARN');
    if (!role.login) throw new SqlError('42501', `role ${role.name} must have the LOGIN attribute`);
    if (existing) return { tag: 'AWS IAM GRANT', writes: [], notices: [] };
    change.writes.push(accessWrites.putIamMapping({ oid: change.allocateId(), arn: statement.arn, roleOid: role.oid, grantorOid: ctx.currentRole }));
    return { tag: 'AWS IAM GRANT', writes: change.finish(), notices: [] };
  }
  if (!existing) throw new SqlError('42704', `IAM role ${statement.arn} does not exist`);
  change.writes.push(accessWrites.deleteIamMapping(existing.oid));
  return { tag: 'AWS IAM REVOKE', writes: change.finish(), notices: [] };
}
