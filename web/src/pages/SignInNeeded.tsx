// Shown when GET /auth/session answers 401: sign-in is by one-time link, never by pasted token.
export function SignInNeeded() {
  return (
    <main className="page signin">
      <h1>Handoff</h1>
      <p>You are not signed in.</p>
      <p>
        Ask for a sign-in link: whoever runs the service prints one for you with{' '}
        <code>npx handoff login-link --principal &lt;your id&gt;</code> (and <code>npm start</code> prints one per demo person). A link works
        once and expires.
      </p>
    </main>
  );
}
