// `wasi:logging/logging` for one plugin: the guest's log lines go to the platform's `log`
// callback, bounded per call (line count and length), with the credential scrubbed should it
// ever appear (the plugin never has it, so this is only a second line of defence).

/** @param {object} host the plugin's host context (see src/index.js) */
export function createImport(host) {
  return {
    log(level, context, message) {
      const call = host.call;
      if (call.logLines >= host.limits.maxLogLines) {
        if (call.logLines === host.limits.maxLogLines) {
          call.logLines++;
          host.emit("warn", "host", `the plugin logged more than ${host.limits.maxLogLines} lines in one call; the rest are dropped`);
        }
        return;
      }
      call.logLines++;
      let text = String(message);
      if (text.length > host.limits.maxLogLineBytes) text = `${text.slice(0, host.limits.maxLogLineBytes)}…`;
      host.emit(String(level), String(context), text);
    },
  };
}
