/**
 * The annotation `kubectl apply` writes: the whole applied object as a JSON string, Secret data
 * included, so it is redacted whole wherever it appears.
 */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
