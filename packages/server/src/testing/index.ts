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
