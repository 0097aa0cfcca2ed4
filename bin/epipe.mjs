// `cqlite-web dump ... | head` closes the pipe before the output ends: that
// is the reader's choice, not a failure, so the process ends quietly (exit 0)
// instead of printing an EPIPE stack trace. Other stream errors still throw.
export function quietOnEpipe(stream) {
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
}
