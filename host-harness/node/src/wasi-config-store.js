// `wasi:config/store` for one plugin: the values the host configures it with (see `configFor` in
// src/index.js). Never holds the API token: this host adds the credential to requests itself.

/** @param {{ config: Map<string, string> }} host */
export function createImport(host) {
  return {
    get(key) {
      return host.config.get(key);
    },
    getAll() {
      return [...host.config.entries()];
    },
  };
}
