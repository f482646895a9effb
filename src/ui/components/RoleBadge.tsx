/** A layer's role (stem, pw1, dw, pw2, residual, pool, classifier) as a colored tag. */
import { roleDescription } from '../roles.ts';

export function RoleBadge({ role }: { role: string }) {
  return (
    <span className={`role role-${role}`} title={roleDescription(role)}>
      {role}
    </span>
  );
}
