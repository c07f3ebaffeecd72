// mailauth_bench.js MANIFEST [INFLIGHT] - npm mailauth's authenticate() over a
// manifest (path ip helo mail_from), INFLIGHT messages at once (default 50),
// SPF/DKIM/DMARC only (ARC and BIMI off). Prints
// "mailauth msgs=N cpu_us=U pass=P fail=F other=O" (CPU of this process,
// after the module is loaded).
'use strict';
const fs = require('fs');
const { authenticate } = require('mailauth');

async function main() {
	const lines = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
	const inflight = parseInt(process.argv[3] || '50', 10);
	const counts = { pass: 0, fail: 0, other: 0 };
	let next = 0;
	const t0 = process.cpuUsage();
	async function worker() {
		while (next < lines.length) {
			const [path, ip, helo, from] = lines[next++].split('\t');
			const message = fs.readFileSync(path);
			try {
				const r = await authenticate(message, {
					ip, helo, sender: from === '<>' ? '' : from, mta: 'mx.bench.test',
					disableArc: true, disableBimi: true,
				});
				const d = r.dmarc && r.dmarc.status && r.dmarc.status.result;
				counts[d === 'pass' ? 'pass' : d === 'fail' ? 'fail' : 'other']++;
			} catch (e) {
				counts.other++;
			}
		}
	}
	await Promise.all(Array.from({ length: inflight }, worker));
	const u = process.cpuUsage(t0);
	console.log(`mailauth msgs=${lines.length} cpu_us=${u.user + u.system} ` +
		`pass=${counts.pass} fail=${counts.fail} other=${counts.other}`);
}
main();
