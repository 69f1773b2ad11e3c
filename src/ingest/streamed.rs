//! The sheets of a streamed markup file (`markup::read_markup`) as a sheet
//! reader takes them: the first rows of each, to find its header, then the
//! rows below it in chunks, so that a reader holds a chunk of rows and what it
//! keeps of the rows read, never the whole sheet.

use super::excel::LoadedSheet;
use super::header::HEADER_SEARCH_ROWS;
use super::markup::{Piece, PieceSink};
use calamine::{Data, Range};

/// Rows handed to a reader at a time.
pub(crate) const CHUNK_ROWS: usize = 64 * 1024;

/// A reader of streamed sheets (the events, ledger or UI reader).
pub(crate) trait SheetVisitor {
    /// What the reader keeps of a sheet it reads.
    type Sheet;
    /// Sheet `index`'s first rows: up to [`HEADER_SEARCH_ROWS`] from its
    /// first row holding a cell, columns from A. Returns the index of the
    /// header among them and the reader's state for the sheet, or `None`
    /// when the sheet is skipped (the reader keeps why).
    fn header(&mut self, index: usize, head: &LoadedSheet) -> Option<(usize, Self::Sheet)>;
    /// Rows below the header, in order: (row number as a spreadsheet shows
    /// it, 1-based; cells from column A).
    fn rows(&mut self, index: usize, sheet: &mut Self::Sheet, rows: &[(u32, Vec<Data>)]);
    /// Sheet `index`, read from its header row `header_row` on, has ended.
    fn end(&mut self, index: usize, name: &str, header_row: u32, sheet: Self::Sheet);
    /// Forgets every sheet seen: the file is read again from its start.
    fn restart(&mut self);
}

enum State<S> {
    /// The first rows, waiting for the header to be found.
    Head {
        name: String,
        rows: Vec<(u32, Vec<Data>)>,
    },
    /// Read below the header: rows not yet handed on.
    Body {
        name: String,
        header_row: u32,
        sheet: S,
        pending: Vec<(u32, Vec<Data>)>,
    },
    /// Skipped (or ended).
    Done,
}

/// A [`PieceSink`] handing each sheet's rows to a [`SheetVisitor`].
pub(crate) struct SheetStreamer<V: SheetVisitor> {
    pub visitor: V,
    open: Vec<State<V::Sheet>>,
}

impl<V: SheetVisitor> SheetStreamer<V> {
    pub fn new(visitor: V) -> Self {
        SheetStreamer {
            visitor,
            open: Vec::new(),
        }
    }

    /// The head of a sheet as a loaded sheet: rows from the first one
    /// holding a cell, [`HEADER_SEARCH_ROWS`] at most, columns from A.
    fn head_sheet(name: &str, rows: &[(u32, Vec<Data>)]) -> LoadedSheet {
        let Some(first) = rows.first().map(|r| r.0) else {
            return LoadedSheet {
                name: name.to_string(),
                range: Range::empty(),
                first_row: 1,
                first_col: 0,
                is_1904: false,
            };
        };
        let last = rows.last().map_or(first, |r| r.0);
        let width = rows.iter().map(|r| r.1.len()).max().unwrap_or(1).max(1);
        let mut range = Range::new((first, 0), (last, width as u32 - 1));
        for (row, cells) in rows {
            for (c, v) in cells.iter().enumerate() {
                if !matches!(v, Data::Empty) {
                    range.set_value((*row, c as u32), v.clone());
                }
            }
        }
        LoadedSheet {
            name: name.to_string(),
            range,
            first_row: first + 1,
            first_col: 0,
            is_1904: false,
        }
    }

    /// Finds the header of sheet `index` from its head rows and hands on the
    /// rows below it.
    fn start_body(&mut self, index: usize) {
        let State::Head { name, rows } = std::mem::replace(&mut self.open[index], State::Done)
        else {
            return;
        };
        let head = Self::head_sheet(&name, &rows);
        match self.visitor.header(index, &head) {
            None => {}
            Some((header_index, sheet)) => {
                let header_row = head.first_row + header_index as u32;
                // Head rows below the header (0-based rows in `rows`).
                let pending: Vec<(u32, Vec<Data>)> = rows
                    .into_iter()
                    .filter(|(r, _)| *r + 1 > header_row)
                    .map(|(r, c)| (r + 1, c))
                    .collect();
                self.open[index] = State::Body {
                    name,
                    header_row,
                    sheet,
                    pending,
                };
            }
        }
    }

    fn flush(&mut self, index: usize) {
        if let Some(State::Body { sheet, pending, .. }) = self.open.get_mut(index)
            && !pending.is_empty()
        {
            self.visitor.rows(index, sheet, pending);
            pending.clear();
        }
    }

    fn end(&mut self, index: usize) {
        if matches!(self.open.get(index), Some(State::Head { .. })) {
            self.start_body(index);
        }
        self.flush(index);
        if let Some(State::Body {
            name,
            header_row,
            sheet,
            ..
        }) = self
            .open
            .get_mut(index)
            .map(|s| std::mem::replace(s, State::Done))
        {
            self.visitor.end(index, &name, header_row, sheet);
        }
    }
}

impl<V: SheetVisitor> PieceSink for SheetStreamer<V> {
    fn piece(&mut self, piece: Piece) {
        match piece {
            Piece::Start { sheet, name } => {
                if self.open.len() <= sheet {
                    self.open.resize_with(sheet + 1, || State::Done);
                }
                self.open[sheet] = State::Head {
                    name,
                    rows: Vec::new(),
                };
            }
            Piece::Row { sheet, row, cells } => {
                if let Some(State::Head { rows, .. }) = self.open.get_mut(sheet) {
                    let first = rows.first().map_or(row, |r| r.0);
                    if (row - first) < HEADER_SEARCH_ROWS as u32 {
                        rows.push((row, cells));
                        return;
                    }
                    self.start_body(sheet);
                }
                if let Some(State::Body { pending, .. }) = self.open.get_mut(sheet) {
                    pending.push((row + 1, cells));
                    if pending.len() >= CHUNK_ROWS {
                        self.flush(sheet);
                    }
                }
            }
            Piece::End { sheet } => self.end(sheet),
        }
    }

    fn restart(&mut self) {
        self.open.clear();
        self.visitor.restart();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::markup::read_markup;
    use crate::ingest::sniff::FileKind;

    /// Finds the row whose first cell is `ID`; keeps what it is handed.
    #[derive(Default)]
    struct Probe {
        head: Vec<(String, u32, usize)>,
        chunks: Vec<usize>,
        first: Vec<(u32, String)>,
        ended: Vec<(usize, String, u32, usize)>,
    }

    impl SheetVisitor for Probe {
        type Sheet = usize;
        fn header(&mut self, _: usize, head: &LoadedSheet) -> Option<(usize, usize)> {
            self.head
                .push((head.name.clone(), head.first_row, head.range.height()));
            head.range
                .rows()
                .position(|r| r.first() == Some(&Data::String("ID".into())))
                .map(|i| (i, 0))
        }
        fn rows(&mut self, _: usize, seen: &mut usize, rows: &[(u32, Vec<Data>)]) {
            if *seen == 0 {
                self.first.push((rows[0].0, rows[0].1[0].to_string()));
            }
            *seen += rows.len();
            self.chunks.push(rows.len());
        }
        fn end(&mut self, index: usize, name: &str, header_row: u32, seen: usize) {
            self.ended.push((index, name.to_string(), header_row, seen));
        }
        fn restart(&mut self) {
            *self = Probe::default();
        }
    }

    #[test]
    fn rows_below_the_header_come_in_chunks() {
        // A title on row 3, the header on row 5, 150,000 rows; a second
        // table with no header in its first 20 rows.
        let mut page = String::from("<table><tr></tr><tr></tr><tr><td>title</td></tr><tr></tr>");
        page.push_str("<tr><td>ID</td><td>name</td></tr>");
        for i in 0..150_000 {
            page.push_str(&format!("<tr><td>{i}</td><td>n</td></tr>"));
        }
        page.push_str("</table><table>");
        for i in 0..30 {
            page.push_str(&format!("<tr><td>{i}</td></tr>"));
        }
        page.push_str("<tr><td>ID</td></tr></table>");
        let mut streamer = SheetStreamer::new(Probe::default());
        read_markup(
            &mut std::io::Cursor::new(page.as_bytes()),
            FileKind::Html,
            &mut streamer,
        )
        .unwrap();
        let probe = streamer.visitor;
        // The head starts at the title (row 3) and spans 20 rows at most.
        assert_eq!(
            probe.head,
            vec![("table 1".into(), 3, 20), ("table 2".into(), 1, 20)]
        );
        assert_eq!(probe.first, vec![(6, "0".to_string())]);
        assert_eq!(
            probe.chunks,
            vec![CHUNK_ROWS, CHUNK_ROWS, 150_000 - 2 * CHUNK_ROWS]
        );
        // The second table is skipped: only the first ends read.
        assert_eq!(probe.ended, vec![(0, "table 1".into(), 5, 150_000)]);
    }
}
