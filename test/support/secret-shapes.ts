// Secret shapes people paste into deal records, each inside a line of prose. `secrets` are the
// strings that must never come out again (API answers, packets, kickoff email, database, logs,
// Temporal history); `text` is what gets pasted. The first fourteen are the forms an attacker
// found leaking (issue 9, item 6). Every value is made up.

export interface SecretShape {
  name: string;
  text: string;
  secrets: string[];
}

const ZW = '\u200b';
const pgpBody = 'lQOYBGZk9QYBCADJx7Hq2mV8pN4tR6wB1yE3uK9oL5sD7fG0hJ2kA4cX8vZ6nM1b\nqT3rY5uI7oP9aS2dF4gH6jK8lZ0xC1vB3nM5qW7eR9tY2uI4oP6aS8dF0gH3jK5';
const rsaBody = 'MIIEowIBAAKCAQEA3x9QvT7kLmN2pR8sW4yZ6bC1dF3hJ5kM7nP9qS2tV4wX6zA8\nc0E2gI4kM6oQ8sU0wY2aC4eG6iK8mO0qS2uW4yA6cE8gI0kM2oQ4sU6wY8aC0eG2';

export const secretShapes: SecretShape[] = [
  // -- the fourteen forms of the attack --
  { name: 'pwd - X', text: 'VPN for the interface engine: user etl, pwd - Tr0ub4dor&3xQ until IT rotates it.', secrets: ['Tr0ub4dor&3xQ'] },
  { name: 'PGP private key block', text: `Signing key for the SFTP drop:\n-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${pgpBody}\n=Xq9T\n-----END PGP PRIVATE KEY BLOCK-----\nUse it for the nightly file.`, secrets: pgpBody.split('\n') },
  { name: 'URL password containing /', text: 'Warehouse: postgres://etl_loader:Pq7/xW9+zR2k@db.northwind-health.net:5432/warehouse is the source.', secrets: ['Pq7/xW9+zR2k'] },
  { name: 'github_pat_', text: 'CI uses 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hJ5kL8 for the repo.', secrets: ['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hJ5kL8', '11AB3CDEF0gH7kLmN2pQ4r_S5tU8vW1xY4zA7bC0dE3fG6hJ9kL2'] },
  { name: 'Azure AccountKey=', text: 'Blob store: DefaultEndpointsProtocol=https;AccountName=nwhexports;AccountKey=q8Vb3Nz5Lw7Pc2Rx4Tk6Hm9Jd1Fg0Sa3Ue5Yi7Ko9Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz1Xc3Vb5Nm7Qw9Er2Ty4Ui6Op8As0Dg==;EndpointSuffix=core.windows.net', secrets: ['q8Vb3Nz5Lw7Pc2Rx4Tk6Hm9Jd1Fg0Sa3Ue5Yi7Ko9Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz1Xc3Vb5Nm7Qw9Er2Ty4Ui6Op8As0Dg'] },
  { name: 'Authorization: Basic', text: 'Their webhook expects Authorization: Basic bndoX2FwaTpLbTR4IVZxOHpQMnc= on every call.', secrets: ['bndoX2FwaTpLbTR4IVZxOHpQMnc'] },
  { name: 'user:pass@host', text: 'Upload files to svc_upload:Ql9#vB2m!xR@sftp.northwind-health.com every night.', secrets: ['Ql9#vB2m!xR'] },
  { name: 'AWS secret key in prose', text: 'Dana said our AWS secret access key is kR7tQ2vX9pL4mN8sB3wY6zC1dF5hJ0gA2eU4iO7w and it works for the bucket.', secrets: ['kR7tQ2vX9pL4mN8sB3wY6zC1dF5hJ0gA2eU4iO7w'] },
  { name: 'pass: X', text: 'Kronos admin pass: Zq4!mR8#tWv for the first login.', secrets: ['Zq4!mR8#tWv'] },
  { name: 'Slack webhook URL', text: 'Alerts go to https://hooks.slack.com/services/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 in #go-live.', secrets: ['q1W2e3R4t5Y6u7I8o9P0a1S2', 'T0A1B2C3D/B4E5F6G7H'] },
  { name: 'client secret X', text: 'The Okta client secret c7e1f9a2b4d6e8f0a1c3e5b7d9f1a3c5 goes into the SSO setup.', secrets: ['c7e1f9a2b4d6e8f0a1c3e5b7d9f1a3c5'] },
  { name: 'zero-width characters inside "password"', text: `Epic service account pass${ZW}word: Aut0mn!2025xQ (do not share).`, secrets: ['Aut0mn!2025xQ'] },
  { name: 'password in lower case', text: 'the reporting db password W1nter!Sched88 was set by Eli.', secrets: ['W1nter!Sched88'] },
  { name: 'npm _authToken=', text: 'Their .npmrc has //registry.npmjs.org/:_authToken=npm_R4nd0mT0k3nV4lu3Xy9Zq8Wv7Ut6Sr5Qp4On for the private packages.', secrets: ['npm_R4nd0mT0k3nV4lu3Xy9Zq8Wv7Ut6Sr5Qp4On', 'R4nd0mT0k3nV4lu3Xy9Zq8Wv7Ut6Sr5Qp4On'] },
  { name: 'whsec_', text: 'Webhook signing: whsec_Mx8Kq2Vn7Lp4Rt9Bw3Yz6Cd1Fh5Jg0Ae verifies the events.', secrets: ['Mx8Kq2Vn7Lp4Rt9Bw3Yz6Cd1Fh5Jg0Ae'] },
  // -- more shapes --
  { name: 'password: X', text: 'Eli shared the Epic password: Ep1c!Sched#42 on the call.', secrets: ['Ep1c!Sched#42'] },
  { name: 'the password is X', text: 'The admin password is Winter2026!Ok for now.', secrets: ['Winter2026!Ok'] },
  { name: 'api_key=X', text: 'Config line api_key=abc123XYZ987qrsT from their wiki.', secrets: ['abc123XYZ987qrsT'] },
  { name: 'Stripe live key', text: 'Billing uses sk_live_51Hq2w3e4r5t6y7u8i9o0pAsDfGh in production.', secrets: ['51Hq2w3e4r5t6y7u8i9o0pAsDfGh'] },
  { name: 'Bearer JWT', text: 'Test with Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTEyMyIsIm4iOjF9.c2lnbmF0dXJlc2lnbmF0dXJlWQ against staging.', secrets: ['eyJzdWIiOiJ1LTEyMyIsIm4iOjF9', 'c2lnbmF0dXJlc2lnbmF0dXJlWQ'] },
  { name: 'AWS access key id', text: 'The access key AKIAQ3EGRT5XK7PLM2NB belongs to the export user.', secrets: ['AKIAQ3EGRT5XK7PLM2NB'] },
  { name: 'aws_secret_access_key =', text: 'aws_secret_access_key = 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', secrets: ['Hj3kL9mN2pQ5rS8tV1wX4yZ7aB0cD6eF9gH2iJ5k'] },
  { name: 'GitHub classic token', text: 'Old token ghp_4Fq9Lm2Xv7Rt1Kp8Zs3Wd6Yh0Nc5Bj2Ga7Ue9 still works.', secrets: ['4Fq9Lm2Xv7Rt1Kp8Zs3Wd6Yh0Nc5Bj2Ga7Ue9'] },
  { name: 'RSA private key block', text: `Key for the HL7 feed:\n-----BEGIN RSA PRIVATE KEY-----\n${rsaBody}\n-----END RSA PRIVATE KEY-----`, secrets: rsaBody.split('\n') },
  { name: 'Slack bot token', text: 'Our status bot uses xoxb-2048576123-4096153287-Qm7Wn2Xr9Lp4Kt6Vs1Bz3Hd8 posts updates.', secrets: ['Qm7Wn2Xr9Lp4Kt6Vs1Bz3Hd8'] },
  { name: 'Google API key', text: 'Maps key AIzaSyD7x9Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz for the clinic map.', secrets: ['SyD7x9Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz'] },
  { name: 'Anthropic key', text: 'Their LLM key sk-ant-api03-Zx8Cv7Bn6Mq5Wl4Ek3Rj2Th1Yg0Uf9Id8Os7Pa6Sd5Fg4Hj3Kl2 is in the sandbox.', secrets: ['Zx8Cv7Bn6Mq5Wl4Ek3Rj2Th1Yg0Uf9Id8Os7Pa6Sd5Fg4Hj3Kl2'] },
  { name: 'fullwidth password', text: 'Portal ｐａｓｓｗｏｒｄ：Ｆｕｌｌ４Ｗｉｄｔｈ９ｘ for the clinic admins.', secrets: ['Ｆｕｌｌ４Ｗｉｄｔｈ９ｘ'] },
  { name: 'mathematical bold "password"', text: 'Reporting 𝐩𝐚𝐬𝐬𝐰𝐨𝐫𝐝 = M4thB0ld!xQ for the analysts.', secrets: ['M4thB0ld!xQ'] },
  { name: 'soft hyphen inside "password"', text: 'Scheduler pass\u00adword = S0ftHyph3n!q please.', secrets: ['S0ftHyph3n!q'] },
  { name: 'zero-width inside the token', text: `Deploy token ghp_7Hd2Kq9${ZW}Lm4Xv1Rt8Zs3Wp6Yn0Bc5Jg2Ua7Fe9 for CI.`, secrets: [`ghp_7Hd2Kq9${ZW}Lm4Xv1Rt8Zs3Wp6Yn0Bc5Jg2Ua7Fe9`, 'Lm4Xv1Rt8Zs3Wp6Yn0Bc5Jg2Ua7Fe9'] },
  { name: 'SendGrid key', text: 'Mail via 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 for notices.', secrets: ['Kq2Wn7Xr9Lp4Vt6Bs1Zd3H.8mQ2wE4rT6yU8iO0pA2sD4fG6hJ8kL0zX2cV4bN6mQw', '8mQ2wE4rT6yU8iO0pA2sD4fG6hJ8kL0zX2cV4bN6mQw'] },
  { name: 'GitLab token', text: 'Mirror with glpat-Xq7Lm2Vn9Rt4Kp8Zs1Wd for the scripts.', secrets: ['Xq7Lm2Vn9Rt4Kp8Zs1Wd'] },
  { name: 'Shopify token', text: 'Store app token 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 for orders.', secrets: ['3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e'] },
  { name: 'DigitalOcean token', text: 'Droplets: dop_v1_8c2f4e6a1b3d5f7e9c0a2b4d6f8e1a3c5b7d9f0e2a4c6b8d1f3e5a7c9b0d2f4e for the sandbox.', secrets: ['8c2f4e6a1b3d5f7e9c0a2b4d6f8e1a3c5b7d9f0e2a4c6b8d1f3e5a7c9b0d2f4e'] },
  { name: 'Vault token', text: 'Vault login hvs.CAESIJq8Lm2Xv7Rt1Kp9Zs3Wd6Yh0Nc5Bj2Ga7Ue4Iq8Ow1Ep3Ry5Ty7Ui9GicKHGh2cy5RazJWbTJYdjdSdDFLcDla for the pilot.', secrets: ['CAESIJq8Lm2Xv7Rt1Kp9Zs3Wd6Yh0Nc5Bj2Ga7Ue4Iq8Ow1Ep3Ry5Ty7Ui9GicKHGh2cy5RazJWbTJYdjdSdDFLcDla'] },
  { name: 'PyPI token', text: 'Publish with pypi-AgEIcHlwaS5vcmcCJGQ4ZjJhMWIzLTVjN2QtNGU5Zi1hMWIyLWMzZDRlNWY2YTdiOAACKlszLCJjb21wYW55Il1dAAIseyJ2ZXJzaW9uIjogMX0 in CI.', secrets: ['AgEIcHlwaS5vcmcCJGQ4ZjJhMWIzLTVjN2QtNGU5Zi1hMWIyLWMzZDRlNWY2YTdiOAACKlszLCJjb21wYW55Il1dAAIseyJ2ZXJzaW9uIjogMX0'] },
  { name: 'passphrase - X', text: 'Key passphrase - c0rrect-h0rse-B4ttery for the archive.', secrets: ['c0rrect-h0rse-B4ttery'] },
  { name: 'secret_key = X', text: 'Django secret_key = 9f8e7d6c5b4a3f2e1d0cQz from settings.py.', secrets: ['9f8e7d6c5b4a3f2e1d0cQz'] },
  { name: 'ENV-style DOCKER_PASSWORD', text: 'CI sets DOCKER_PASSWORD=Dk7mQ2xW9pL4vR8sT1bN6 before the push.', secrets: ['Dk7mQ2xW9pL4vR8sT1bN6'] },
  { name: 'MySQL URL password', text: 'Legacy: mysql://root:My5qlR00t!Pw@10.20.30.40:3306/sched still runs.', secrets: ['My5qlR00t!Pw'] },
  { name: 'Databricks token', text: 'Notebooks use dapi4f8c2e6a1b3d5f7e9c0a2b4d6f8e1a3c for jobs.', secrets: ['dapi4f8c2e6a1b3d5f7e9c0a2b4d6f8e1a3c', '4f8c2e6a1b3d5f7e9c0a2b4d6f8e1a3c'] },
  { name: 'SAS signature', text: 'Share link https://nwh.blob.core.windows.net/exports?sv=2022-11-02&ss=b&sig=Qm7Wn2Xr9Lp4Kt6Vs1Bz3Hd8Yf5Gc0Ja%2Bk%3D expires Friday.', secrets: ['Qm7Wn2Xr9Lp4Kt6Vs1Bz3Hd8Yf5Gc0Ja%2Bk%3D'] },
  { name: 'access token: X', text: 'Epic FHIR access token: Fh1rT0k3n.Zq8Wv7Ut6Sr5 expires Friday.', secrets: ['Fh1rT0k3n.Zq8Wv7Ut6Sr5'] },
  { name: 'PIN-less "pw=" in a URL query', text: 'Old portal link https://portal.example-clinic.org/login?user=ops&pw=Qu3ryPw!77 still works.', secrets: ['Qu3ryPw!77'] },
];
