import { behaviourDoc, type Product } from '../product';

const upgrade = (t: string) =>
  t === 'websocket' ? { doc: 'https://redmine.lighttpd.net/projects/lighttpd/wiki/Mod_proxy', lines: ['proxy.header = ( "upgrade" => "enable" )'] } : undefined;

/**
 * lighttpd 1.4 (mod_proxy). Launch: `-D` = "don't go to background", `-tt`
 * loads the modules and checks the config (lighttpd -h).
 */
export const lighttpd: Product = {
  id: 'lighttpd',
  label: 'lighttpd',
  aliases: /lighttpd/,
  docs: behaviourDoc('lighttpd'),
  snippetLanguage: 'lighttpd',
  fingerprints: [{ confidence: 'high', header: { name: 'server', pattern: /^lighttpd(?:\/([\d.]+))?/i, version: 1 } }],
  fixes: {
    'upgrade-stripped': upgrade,
    'upgrade-rejected': upgrade,
    // The default (0) buffers the whole response body.
    buffered: { doc: 'https://redmine.lighttpd.net/projects/lighttpd/wiki/Server_stream-response-bodyDetails', lines: ['server.stream-response-body = 2'] },
  },
  launch: {
    binary: '/usr/sbin/lighttpd',
    debianPackage: 'lighttpd',
    daemons: ['lighttpd'],
    pidFiles: ['/run/lighttpd.pid'],
    configFileName: 'lighttpd.conf',
    foregroundArgs: (ctx) => ['-D', '-f', ctx.configPath],
    checkArgs: (ctx) => ['-tt', '-f', ctx.configPath],
    versionArgs: ['-v'],
    versionPattern: /lighttpd\/(\S+)/,
  },
};
