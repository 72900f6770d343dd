/** Test helpers for kaudit servers: an API-server-like webhook client and test certificates. */
export {};
