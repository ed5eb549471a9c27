/** Writes machine output as one JSON document. */
export const printJson = (value: unknown): void => {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
};

export const print = (text: string): void => {
  process.stdout.write(text + '\n');
};
