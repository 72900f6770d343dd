/** Test helpers for kaudit servers: an API-server-like webhook client and test certificates. */
export {
  makeCertificates,
  type CertificateAndKey,
  type CertificatePaths,
  type ClientCertificateOptions,
  type MakeCertificatesOptions,
  type ServerCertificateOptions,
  type TestCertificates,
} from './certificates.js';
export {
  createApiServerClient,
  parseRetryAfter,
  type ApiServerClient,
  type ApiServerClientBackoff,
  type ApiServerClientOptions,
  type ApiServerClientStats,
  type AttemptRecord,
} from './apiserver-client.js';
