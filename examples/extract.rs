//! Prints the text baomi extracts from a document, with the location of each stretch:
//! `cargo run --release --example extract -- FILE`.

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: extract FILE");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    match baomi::extract::extract(&bytes) {
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
        Ok(doc) => {
            println!(
                "# {} ({}), {} bytes of text, {} traces",
                doc.format.as_str(),
                doc.encoding,
                doc.text.len(),
                doc.traces.len()
            );
            for (i, seg) in doc.segments.iter().enumerate() {
                let end = doc.segments.get(i + 1).map_or(doc.text.len(), |s| s.start);
                println!("[{}] {:?}", seg.location, &doc.text[seg.start..end]);
            }
        }
    }
}
