import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { Route, Switch } from 'wouter';
import { fetchSession, setCsrfToken } from './api/client';
import { Layout } from './components/Layout';
import { SessionContext } from './session';
import { BoardPage } from './pages/Board';
import { HandoffPage } from './pages/Handoff';
import { InboxPage } from './pages/Inbox';
import { NewHandoffPage } from './pages/NewHandoff';
import { SignInNeeded } from './pages/SignInNeeded';
import './styles.css';

// Page paths never start with an API prefix (handoffs, inbox, auth, …): the server answers those
// with JSON, and only other paths with the app.
// The dashboard pulls in the chart library: its own chunk, loaded when first opened.
const DashboardPage = lazy(() => import('./pages/Dashboard'));

const queryClient = new QueryClient({
  defaultOptions: {
    // Pages follow changes by polling (at most every 5 s), and again when the window regains focus.
    queries: { refetchInterval: 5_000, staleTime: 2_000, retry: (count, err) => count < 2 && (err as { status?: number }).status === undefined },
  },
});

function App() {
  const session = useQuery({ queryKey: ['session'], queryFn: fetchSession, refetchInterval: 60_000 });
  if (session.isPending) return <p className="loading">Loading…</p>;
  if (session.isError) return <main className="page"><h1>Handoff</h1><p role="alert">The server could not be reached: {session.error.message}</p></main>;
  if (!session.data) return <SignInNeeded />;
  setCsrfToken(session.data.csrfToken);
  return (
    <SessionContext.Provider value={session.data}>
      <Layout>
        <Suspense fallback={<p className="loading">Loading…</p>}>
          <Switch>
            <Route path="/" component={InboxPage} />
            <Route path="/board" component={BoardPage} />
            <Route path="/dashboard" component={DashboardPage} />
            <Route path="/new" component={NewHandoffPage} />
            <Route path="/handoff/:id">{(params) => <HandoffPage id={params.id} />}</Route>
            <Route>
              <h1>Not found</h1>
              <p>There is no page here.</p>
            </Route>
          </Switch>
        </Suspense>
      </Layout>
    </SessionContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
