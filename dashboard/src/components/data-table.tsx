import type { ReactNode } from "react";

export interface Column<Row> {
  header: ReactNode;
  cell(row: Row): ReactNode;
  /** Numbers and money read best right-aligned. */
  align?: "start" | "end";
  /** A column hidden from sighted users only would confuse; instead give wide ones a class. */
  className?: string;
}

/**
 * A table of rows with a caption for screen readers. Wide tables scroll sideways inside their
 * box, so a 1366-pixel screen keeps the navigation in view.
 */
export function DataTable<Row>({
  caption,
  columns,
  rows,
  rowKey,
  rowTestId,
  empty,
}: {
  caption: string;
  columns: ReadonlyArray<Column<Row>>;
  rows: readonly Row[];
  rowKey(row: Row): string;
  rowTestId?: string;
  empty?: ReactNode;
}) {
  if (rows.length === 0 && empty) return <>{empty}</>;
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column, index) => (
              <th
                key={index}
                scope="col"
                className={
                  [column.align === "end" ? "align-end" : "", column.className ?? ""]
                    .join(" ")
                    .trim() || undefined
                }
              >
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} data-testid={rowTestId}>
              {columns.map((column, index) => (
                <td
                  key={index}
                  className={
                    [column.align === "end" ? "align-end" : "", column.className ?? ""]
                      .join(" ")
                      .trim() || undefined
                  }
                >
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
