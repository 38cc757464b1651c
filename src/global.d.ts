// CSS imported by the widget bundle (esbuild emits it next to the JS).
declare module '*.css';
