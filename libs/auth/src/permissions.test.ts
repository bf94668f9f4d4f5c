import { describe, expect, it } from 'vitest';
import { AuthError } from './errors';
import {
  can,
  PERMISSION_NAMES,
  PERMISSIONS,
  permissionsForRoles,
  requirePermission,
  ROLES,
  type Permission,
  type Role,
} from './permissions';

const WRITE = /:(write|send|share|assign|admin)$|^messages:send$|^break_glass$/;

describe('permission table', () => {
  it('each role holds exactly the permissions the table gives it', () => {
    for (const role of ROLES) {
      for (const permission of PERMISSION_NAMES) {
        const expected = PERMISSIONS[permission].includes(role);
        expect(can({ roles: [role] }, permission), `${role} → ${permission}`).toBe(expected);
        if (expected) expect(() => requirePermission({ roles: [role] }, permission)).not.toThrow();
        else expect(() => requirePermission({ roles: [role] }, permission)).toThrow(AuthError);
      }
      expect(permissionsForRoles([role])).toEqual(
        PERMISSION_NAMES.filter((p) => PERMISSIONS[p].includes(role)),
      );
    }
  });

  it('several roles hold the union of their permissions', () => {
    for (const a of ROLES) {
      for (const b of ROLES) {
        for (const permission of PERMISSION_NAMES) {
          expect(can({ roles: [a, b] }, permission)).toBe(
            can({ roles: [a] }, permission) || can({ roles: [b] }, permission),
          );
        }
      }
    }
  });

  it('names only known roles and grants every permission to someone', () => {
    for (const permission of PERMISSION_NAMES) {
      expect(PERMISSIONS[permission].length, permission).toBeGreaterThan(0);
      for (const role of PERMISSIONS[permission]) expect(ROLES).toContain(role);
    }
  });

  it('keeps the policy lines that must not move silently', () => {
    // only admin administers a tenant; the auditor changes nothing; system clients never break glass
    expect(PERMISSIONS['tenant:admin']).toEqual(['admin']);
    expect(permissionsForRoles(['auditor']).filter((p) => WRITE.test(p))).toEqual([]);
    expect(PERMISSIONS.break_glass).not.toContain('integration');
  });

  it('cannot be widened at runtime', () => {
    expect(Object.isFrozen(PERMISSIONS)).toBe(true);
    for (const permission of PERMISSION_NAMES) expect(Object.isFrozen(PERMISSIONS[permission])).toBe(true);
    expect(() => (PERMISSIONS['tenant:admin'] as Role[]).push('nurse')).toThrow(TypeError);
  });

  it('grants nothing without roles, and nothing for unknown or inherited names', () => {
    for (const permission of PERMISSION_NAMES) expect(can({ roles: [] }, permission)).toBe(false);
    for (const name of ['tenant:root', 'toString', '__proto__', 'constructor']) {
      expect(can({ roles: [...ROLES] }, name as Permission)).toBe(false);
    }
  });

  it('requirePermission throws permission_denied naming the permission', () => {
    const error = (() => {
      try {
        requirePermission({ roles: ['front_desk'] }, 'documents:read');
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ code: 'permission_denied', permission: 'documents:read' });
  });
});
