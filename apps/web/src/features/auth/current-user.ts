import { createContext, useContext } from 'react';
import type { Me } from '@sightline/sdk';

/** The signed-in principal (GET /v1/auth/me); undefined until it is known. */
export const CurrentUserContext = createContext<Me | undefined>(undefined);

export function useCurrentUser(): Me | undefined {
  return useContext(CurrentUserContext);
}

/** May this principal create, edit and delete dashboards? */
export function canWriteDashboards(me: Me | undefined): boolean {
  return me?.permissions.includes('dashboards:write') === true;
}
