import type { ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { signOut } from '../api/client';
import { hasRole, useSession } from '../session';

export function Layout({ children }: { children: ReactNode }) {
  const session = useSession();
  const [location] = useLocation();
  const links: Array<[string, string, boolean]> = [
    ['/', 'Inbox', true],
    ['/board', 'Board', true],
    ['/dashboard', 'Dashboard', hasRole(session, 'ops')],
    ['/new', 'New handoff', hasRole(session, 'sales', 'ops')],
  ];
  const current = (href: string) => location === href;
  return (
    <>
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <span className="brand">Handoff</span>
        <nav aria-label="Main">
          <ul>
            {links
              .filter(([, , shown]) => shown)
              .map(([href, label]) => (
                <li key={href}>
                  <Link href={href} aria-current={current(href) ? 'page' : undefined}>
                    {label}
                  </Link>
                </li>
              ))}
          </ul>
        </nav>
        <div className="who">
          <span data-testid="principal">{session.principal.name ?? session.principal.id}</span>
          <button
            type="button"
            className="link"
            onClick={async () => {
              await signOut();
              window.location.assign('/');
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
