/** How the two sides of a diff are named in its output (a file path, or `REV:path`). */
export interface DiffSides {
  base: string;
  head: string;
}
