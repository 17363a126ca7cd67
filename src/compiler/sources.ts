/** The files a config is made of, kept with what is needed to map a value path back to a line and column. */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node as YamlNode } from 'yaml';
import type { PathSegment } from './diagnostics.js';

export interface TsSource {
  kind: 'ts';
  /** Display path (relative to the working directory where possible). */
  file: string;
  text: string;
}

export interface YamlSource {
  kind: 'yaml';
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export type Source = TsSource | YamlSource;

export interface Position {
  line: number;
  column: number;
}

/** Line and column (1-based) of the node at `path` in a YAML document; the deepest node reached if the path runs out. */
export function locateInYaml(source: YamlSource, path: readonly PathSegment[], key = false): Position {
  let node: unknown = source.doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      if (last && key) {
        offset = rangeStart(pair.key) ?? offset;
        break;
      }
      node = pair.value;
      offset = rangeStart(node) ?? rangeStart(pair.key) ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      node = item;
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  const pos = source.lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as YamlNode | null | undefined)?.range;
  return range ? range[0] : undefined;
}

type TsMorph = typeof import('ts-morph');
type TsNode = import('ts-morph').Node;

let tsMorph: Promise<TsMorph> | undefined;
const tsTrees = new Map<string, TsNode | undefined>();

/**
 * Line and column (1-based) of the value at `path` in the default export of a TS config.
 * ts-morph is loaded only when a diagnostic points into TypeScript.
 */
export async function locateInTs(source: TsSource, path: readonly PathSegment[], key = false): Promise<Position> {
  tsMorph ??= import('ts-morph');
  const { Node, Project } = await tsMorph;
  let root = tsTrees.get(source.text);
  if (!tsTrees.has(source.text)) {
    const project = new Project({ useInMemoryFileSystem: true, skipLoadingLibFiles: true });
    const file = project.createSourceFile('config.ts', source.text);
    const assignment = file.getExportAssignments().find((a) => !a.isExportEquals());
    root = assignment?.getExpression();
    tsTrees.set(source.text, root ?? assignment);
  }
  if (!root) return { line: 1, column: 1 };

  const unwrap = (node: TsNode): TsNode => {
    for (;;) {
      if (Node.isCallExpression(node) && node.getArguments().length > 0 && !isEnvCall(node)) node = node.getArguments()[0]!;
      else if (Node.isAsExpression(node) || Node.isSatisfiesExpression(node) || Node.isParenthesizedExpression(node)) node = node.getExpression();
      else if (Node.isIdentifier(node)) {
        const decl = node.getSourceFile().getVariableDeclaration(node.getText());
        const init = decl?.getInitializer();
        if (!init) return node;
        node = init;
      } else return node;
    }
  };
  const isEnvCall = (node: import('ts-morph').CallExpression) => node.getExpression().getText() === 'env';

  let node = unwrap(root);
  let target: TsNode = node;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const last = i === path.length - 1;
    if (Node.isObjectLiteralExpression(node)) {
      const property = node.getProperties().find((p) => {
        if (!Node.isPropertyAssignment(p) && !Node.isShorthandPropertyAssignment(p)) return false;
        const name = p.getNameNode();
        const text = Node.isStringLiteral(name) || Node.isNumericLiteral(name) ? name.getLiteralText() : name.getText();
        return text === String(segment);
      });
      if (!property) break;
      if (last && key) {
        target = Node.isPropertyAssignment(property) || Node.isShorthandPropertyAssignment(property) ? property.getNameNode() : property;
        break;
      }
      const value = Node.isPropertyAssignment(property) ? property.getInitializer() : Node.isShorthandPropertyAssignment(property) ? property.getNameNode() : undefined;
      if (!value) {
        target = property;
        break;
      }
      target = value;
      node = unwrap(value);
    } else if (Node.isArrayLiteralExpression(node) && typeof segment === 'number') {
      const element = node.getElements()[segment];
      if (!element) break;
      target = element;
      node = unwrap(element);
    } else {
      break;
    }
  }
  const file = target.getSourceFile();
  const { line, column } = file.getLineAndColumnAtPos(target.getStart());
  return { line, column };
}
