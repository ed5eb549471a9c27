import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A self-signed certificate and its private key made with openssl at test time (what an admin
 * uploads to the app registration for certificate credentials).
 */
export function makeTestCertificate(dir: string, name = 'entra-app'): { certFile: string; keyFile: string; certPem: string } {
  const certFile = join(dir, `${name}.crt.pem`);
  const keyFile = join(dir, `${name}.key.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${name}`], { stdio: 'pipe' });
  return { certFile, keyFile, certPem: readFileSync(certFile, 'utf8') };
}

export function opensslSkipReason(): string | false {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
    return false;
  } catch {
    return 'openssl is not installed';
  }
}
