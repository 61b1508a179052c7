import { createContext, useContext } from 'react';
import type { Session } from './api/client';

export const SessionContext = createContext<Session | null>(null);

/** The signed-in person; pages render only inside a session. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('no session');
  return session;
}

export const hasRole = (session: Session, ...roles: string[]) => session.principal.roles.some((r) => r === 'admin' || roles.includes(r));
