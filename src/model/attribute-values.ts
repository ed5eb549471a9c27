/** Directory attributes as delivered: single- or multi-valued strings. */
export type AttributeValues = Readonly<Record<string, string | readonly string[]>>;
