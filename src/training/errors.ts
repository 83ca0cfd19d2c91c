/** A training request that cannot be carried out as given (unknown preset, bad number...). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
